// A testbed of many real peers spread over several OS processes on 127.0.0.1 (issue 6: one
// process saturates at ~50 peers; 2 cores want several). The parent forks P workers
// (multi-testbed-worker.ts, run with the tsx loader the bench itself runs under), peer i lives
// in worker i % P, and peers 0..B-1 are the bootstrap peers. Workers stream their peers' events
// back over IPC. Workers die with the parent: they exit when the IPC channel closes, and the
// parent SIGKILLs any still alive when it exits.
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createOrgKeyFile } from '../p2p/index.js'
import { forkBenchWorker } from './bench-worker.js'
import type { Cmd, PeerEventLine, Request, StartedPeer, WorkerMeasure, WorkerMessage } from './multi-testbed-protocol.js'

export interface MultiTestbedInit {
  peers: number
  /** Worker processes (fewer when there are fewer peers). */
  procs: number
  ttlMs: number
  slots: number
  /** Peers each worker starts at once. Default 5. */
  batchSize?: number
  /** Dials in flight at once among one worker's peers; 0 for none but each peer's own. Default 0. */
  dialsPerProc?: number
  /** Bootstrap peers every later peer dials first. Default min(4, peers). */
  bootstraps?: number
  /** Start-up (processes, peers and routing tables) must finish within this. */
  startTimeoutMs: number
  onEvents: (events: PeerEventLine[]) => void
  log?: (line: string) => void
}

export interface MultiTestbed {
  /** Every started peer, by global index. */
  peers: StartedPeer[]
  pids: number[]
  /** Peers whose routing table held fewer than 3 peers when the start-up wait ended. */
  shortOfPeers: number
  /** Each worker's figures over the next `ms` (process CPU, event-loop delay, RSS, bytes). */
  measure: (ms: number) => Promise<WorkerMeasure[]>
  measureStart: () => Promise<void>
  measureStop: () => Promise<WorkerMeasure[]>
  submit: (index: number, count: number, taskMs: number, deadline: number) => Promise<number>
  status: (index: number, taskIds: string[]) => Promise<string[]>
  kill: (index: number) => Promise<void>
  /** Graceful stop of every peer, then the processes (SIGKILL after a grace period), then the temp dir. */
  stop: () => Promise<void>
}

const STOP_GRACE_MS = 20_000
// MCLOUD_SCALE_CPU_PROF=<dir>: every worker writes a V8 CPU profile there (what dominates a peer's cost).
const PROFILE = process.env.MCLOUD_SCALE_CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.MCLOUD_SCALE_CPU_PROF}`]
const SUBMIT_CONCURRENCY = 4

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Every worker any testbed of this process forked and has not reaped: killed when this process exits. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => { for (const c of live) c.kill('SIGKILL') })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { for (const c of live) c.kill('SIGKILL'); process.exit(130) })
  }
}

class Worker {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private stderr = ''
  exited: string | undefined
  readonly ready: Promise<void>

  constructor (readonly n: number, readonly child: ChildProcess, onEvents: (e: PeerEventLine[]) => void) {
    let readyResolve!: () => void
    let readyReject!: (e: Error) => void
    this.ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject })
    child.stderr?.on('data', (b: Buffer) => { this.stderr = (this.stderr + b.toString()).slice(-2000) })
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') readyResolve()
      else if (m.type === 'events') onEvents(m.events)
      else {
        const p = this.pending.get(m.id)
        this.pending.delete(m.id)
        if (m.ok) p?.resolve(m.value)
        else p?.reject(new Error(`worker ${this.n}: ${m.error}`))
      }
    })
    child.on('exit', (code, signal) => {
      live.delete(child)
      this.exited = `worker ${this.n} exited (${signal ?? `code ${String(code)}`})${this.stderr === '' ? '' : `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`}`
      const err = new Error(this.exited)
      readyReject(err)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    })
  }

  async call<T>(cmd: Cmd, args: Request['args'], timeoutMs: number): Promise<T> {
    if (this.exited !== undefined) throw new Error(this.exited)
    const id = this.nextId++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`worker ${this.n}: ${cmd} took longer than ${Math.round(timeoutMs / 1000)} s`)) }, timeoutMs)
      this.pending.set(id, {
        resolve: v => { clearTimeout(timer); resolve(v as T) },
        reject: e => { clearTimeout(timer); reject(e) }
      })
      this.child.send({ id, cmd, args })
    })
  }
}

export async function startMultiTestbed (init: MultiTestbedInit): Promise<MultiTestbed> {
  installExitHook()
  const log = init.log ?? (() => {})
  const deadline = Date.now() + init.startTimeoutMs
  const left = (): number => Math.max(1000, deadline - Date.now())
  const root = await mkdtemp(join(tmpdir(), 'mcloud-scale-'))
  const orgKeyFile = join(root, 'org.key')
  await createOrgKeyFile(orgKeyFile)
  const procs = Math.max(1, Math.min(init.procs, init.peers))
  const workers = Array.from({ length: procs }, (_, n) => {
    const child = forkBenchWorker('multi-testbed-worker', process.env, PROFILE)
    live.add(child)
    return new Worker(n, child, init.onEvents)
  })
  const workerOf = (i: number): Worker => workers[i % procs]!
  const peers: StartedPeer[] = []

  const stop = async (): Promise<void> => {
    await Promise.all(workers.map(async w => {
      if (w.exited !== undefined) return
      await w.call('stop', {}, STOP_GRACE_MS).catch(() => {})
      // It exits by itself after stopping its peers; a worker that does not is killed.
      const exited = new Promise(resolve => { if (w.exited !== undefined) resolve(null); else w.child.once('exit', resolve) })
      const timer = setTimeout(() => { w.child.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(timer)
    }))
    await rm(root, { recursive: true, force: true })
  }

  try {
    await Promise.race([Promise.all(workers.map(async w => { await w.ready })), sleep(left()).then(() => { throw new Error('worker processes did not start in time') })])
    log(`  worker processes up (pids ${workers.map(w => w.child.pid).join(' ')})`)
    const base = { root, orgKeyFile, ttlMs: init.ttlMs, slots: init.slots, batchSize: init.batchSize ?? 5, dialsPerProc: init.dialsPerProc ?? 0 }
    const startOn = async (indexes: number[], bootstrap: string[]): Promise<void> => {
      const byWorker = new Map<Worker, number[]>()
      for (const i of indexes) byWorker.set(workerOf(i), [...byWorker.get(workerOf(i)) ?? [], i])
      const started = await Promise.all([...byWorker].map(async ([w, ix]) => await w.call<StartedPeer[]>('start', { ...base, indexes: ix, bootstrap }, left())))
      for (const s of started.flat()) peers[s.index] = s
    }
    // Peer 0 first, then the other bootstrap peers through it, then everyone through them.
    const nBoot = Math.min(init.bootstraps ?? 4, init.peers)
    await startOn([0], [])
    if (nBoot > 1) await startOn(range(1, nBoot), [peers[0]!.addr])
    const boot = peers.slice(0, nBoot).map(p => p.addr)
    await startOn(range(nBoot, init.peers), boot)
    log(`  ${init.peers} peers started in ${procs} processes; waiting for routing tables …`)

    // The DHT is usable once every routing table knows a few peers; under load identify can time
    // out, so peers still short dial a few more members every 10 s.
    const want = Math.min(init.peers - 1, 3)
    const addrs = peers.map(p => p.addr)
    let lastRepair = Date.now()
    let short = init.peers
    for (;;) {
      const sizes = (await Promise.all(workers.map(async w => await w.call<number[]>('routing', {}, left())))).flat()
      short = sizes.filter(s => s < want).length
      if (short === 0 || Date.now() > deadline) break
      if (Date.now() - lastRepair > 10_000) {
        lastRepair = Date.now()
        await Promise.all(workers.map(async w => await w.call('repair', { addrs, want, dials: 3 }, left())))
      }
      await sleep(1000)
    }
    if (short > init.peers / 10) throw new Error(`${short} of ${init.peers} peers still had fewer than ${want} peers in their routing table at the start-up deadline`)

    const measureStop = async (): Promise<WorkerMeasure[]> => await Promise.all(workers.map(async w => await w.call<WorkerMeasure>('measure-stop', {}, 60_000)))
    const measureStart = async (): Promise<void> => { await Promise.all(workers.map(async w => { await w.call('measure-start', {}, 60_000) })) }
    return {
      peers,
      pids: workers.map(w => w.child.pid!),
      shortOfPeers: short,
      measureStart,
      measureStop,
      measure: async ms => { await measureStart(); await sleep(ms); return await measureStop() },
      submit: async (index, count, taskMs, until) =>
        await workerOf(index).call<number>('submit', { index, count, taskMs, concurrency: SUBMIT_CONCURRENCY, deadline: until }, Math.max(1000, until - Date.now()) + 30_000),
      status: async (index, taskIds) => await workerOf(index).call<string[]>('status', { index, taskIds }, 60_000),
      kill: async index => { await workerOf(index).call('kill', { index }, 30_000) },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k)
