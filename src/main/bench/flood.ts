// The flood experiment: does a peer stay responsive and bounded in memory when (1) a task it runs
// writes hundreds of MB of output, and (2) a submitter posts thousands of tasks at once? The
// measured peer lives in its own process (flood-peer.ts) next to a partner peer that holds the DHT
// replicas; this process only talks HTTP to the measured peer's API and collects its memory.
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isTerminal, type SubmitTaskRequest, type TaskView } from '../../shared/index.js'
import { ApiClientError, createApiClient, type ApiClient } from '../api/index.js'
import { createOrgKeyFile } from '../p2p/index.js'
import { forkBenchWorker, stopBenchWorker } from './bench-worker.js'
import { FLOOD_PEER_ENV, type FloodPeerInit, type FloodPeerMessage } from './flood-protocol.js'
import { ApiProbe, memoryTrace, type ApiLatency, type MemorySample, type MemoryTrace } from './flood-probe.js'
import { requireLocalImage } from './latency.js'
import { MachineLoad, type TestbedLoad } from './machine-load.js'
import { distribution, type Distribution } from './stats.js'

export interface FloodOptions {
  /** MB (10^6 bytes) of stdout the flood task writes. */
  mb: number
  /** Tasks posted in the burst. */
  burst: number
  /** POSTs in flight at once during the burst. */
  concurrency: number
  /** Tick of the API latency probe. */
  probeMs: number
  /** Quiet measurement before each phase, and after the burst's last POST. */
  quietMs: number
  image: string
  /** Longest wait for the flood task to end. */
  taskTimeoutMs: number
}

export interface FloodPhase {
  durationMs: number
  /** The idle peer just before the phase: what "normal" latency is here. */
  quietApi: ApiLatency
  api: ApiLatency
  memory: MemoryTrace
  /** RSS at the phase's highest minus at its start. */
  rssGrowthMb: number
  load: TestbedLoad
}

export interface OutputPhase extends FloodPhase {
  task: { status: string, exitCode: number | null, error: string | null }
  mbPerSec: number
}

export interface BurstPhase extends FloodPhase {
  /** First POST → last answer. */
  postMs: number
  accepted: number
  /** Refused POSTs by HTTP status (a rate limit answers 429). */
  refused: Record<string, number>
  /** POSTs with no HTTP answer (connection error, timeout). */
  failed: number
  postLatency: Distribution
  postsPerSec: number
  firstRefusal: string | null
  /** Tasks GET /api/tasks lists at the end. */
  listed: number
}

export interface FloodSummary {
  experiment: 'flood'
  mb: number
  burst: number
  concurrency: number
  probeMs: number
  output: OutputPhase
  burstPhase: BurstPhase
  goals: { apiP95Ms: number, rssGrowthMb: number }
  goalMet: { outputApi: boolean, outputMemory: boolean, burstApi: boolean, burstMemory: boolean }
  /** The peer processes (partner, runner, submitter), all ended when the run returns. */
  pids: number[]
}

/** The API must answer a user within this at p95 during a flood (both routes). */
export const API_P95_GOAL_MS = 200
/** A phase may grow the peer's RSS by at most this (the bound docker-log-flood.test.ts holds). */
export const RSS_GROWTH_GOAL_MB = 150
const MEMORY_EVERY_MS = 250
const START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 20_000
const LINE_BYTES = 200

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

interface PeerProcess { pid: number, ready: Extract<FloodPeerMessage, { type: 'ready' }>, memory: MemorySample[], stop: () => Promise<void> }

async function startPeerProcess (init: FloodPeerInit): Promise<PeerProcess> {
  const child: ChildProcess = forkBenchWorker('flood-peer', { ...process.env, [FLOOD_PEER_ENV]: JSON.stringify(init) })
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000) })
  const memory: MemorySample[] = []
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const ready = await new Promise<PeerProcess['ready']>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`peer ${init.name} did not start within ${START_TIMEOUT_MS / 1000} s`)) }, START_TIMEOUT_MS)
    child.on('message', (m: FloodPeerMessage) => {
      if (m.type === 'memory') memory.push(m)
      else if (m.type === 'ready') { clearTimeout(timer); resolve(m) } else { clearTimeout(timer); reject(new Error(`peer ${init.name}: ${m.error}`)) }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`peer ${init.name} exited (code ${String(code)}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)) })
  }).catch(async (err: unknown) => { child.kill('SIGKILL'); throw err })
  return {
    pid: child.pid!,
    ready,
    memory,
    stop: async () => { await stopBenchWorker(child, exited, STOP_GRACE_MS) }
  }
}

function measuredApi (p: PeerProcess): { client: ApiClient, url: string, token: string } {
  const { apiUrl, token } = p.ready
  if (apiUrl === null || token === null) throw new Error('the measured peer serves no API')
  return { client: createApiClient({ url: apiUrl, token }), url: apiUrl, token }
}

/** Runs `load` with the probe going, after a quiet stretch, and sums the window up. */
async function phase<T> (p: PeerProcess, probeMs: number, quietMs: number, load: () => Promise<T>): Promise<{ result: T, phase: FloodPhase }> {
  const { url, token } = measuredApi(p)
  const probe = new ApiProbe(url, token, probeMs)
  try {
    const quietFrom = performance.now()
    await sleep(quietMs)
    const from = performance.now()
    const wallFrom = Date.now()
    const machine = new MachineLoad()
    const result = await load()
    const load_ = machine.stop()
    const to = performance.now()
    const memory = memoryTrace(p.memory, wallFrom - MEMORY_EVERY_MS, Date.now() + 1)
    await probe.stop()
    return {
      result,
      phase: {
        durationMs: Math.round(to - from),
        quietApi: probe.latency(quietFrom, from),
        api: probe.latency(from, to),
        memory,
        rssGrowthMb: Math.round((memory.rssMb.max - memory.rssMb.start) * 10) / 10,
        load: load_
      }
    }
  } finally {
    await probe.stop()
  }
}

async function waitForEnd (client: ApiClient, taskId: string, timeoutMs: number): Promise<TaskView> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const t = await client.getTask(taskId).catch(() => undefined)
    if (t !== undefined && isTerminal(t.status)) return t
    if (performance.now() > deadline) throw new Error(`task ${taskId.slice(0, 12)} did not end within ${Math.round(timeoutMs / 1000)} s (last: ${t?.status ?? 'unknown'})`)
    await sleep(500)
  }
}

async function postBurst (client: ApiClient, o: FloodOptions): Promise<Omit<BurstPhase, keyof FloodPhase | 'listed'>> {
  const request: SubmitTaskRequest = { image: o.image, command: ['true'], cpu: 0.1, memoryMb: 16, timeoutSec: 60 }
  const refused: Record<string, number> = {}
  const latencies: number[] = []
  let accepted = 0
  let failed = 0
  let firstRefusal: string | null = null
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.burst) }, async () => {
    while (next < o.burst) {
      next++
      const at = performance.now()
      try {
        await client.submitTask(request)
        accepted++
      } catch (err) {
        if (err instanceof ApiClientError && err.status !== undefined && err.status > 0) {
          refused[err.status] = (refused[err.status] ?? 0) + 1
          firstRefusal ??= `${err.status} ${err.name}: ${err.message}`
        } else failed++
      }
      latencies.push(performance.now() - at)
    }
  }))
  const postMs = performance.now() - t0
  return { postMs: Math.round(postMs), accepted, refused, failed, postLatency: distribution(latencies), postsPerSec: Math.round(o.burst / (postMs / 1000)), firstRefusal }
}

export async function runFlood (o: FloodOptions, log: (line: string) => void = () => {}): Promise<FloodSummary> {
  await requireLocalImage(o.image)
  const root = await mkdtemp(join(tmpdir(), 'mcloud-flood-'))
  const orgKeyFile = join(root, 'org.key')
  await createOrgKeyFile(orgKeyFile)
  const base = { root, orgKeyFile, memoryEveryMs: MEMORY_EVERY_MS }
  const running: PeerProcess[] = []
  const pids: number[] = []
  try {
    // The partner holds the replicas every write of the measured peer needs (quorum min(3, peers)).
    const partner = await startPeerProcess({ ...base, name: 'partner', bootstrap: [], api: false })
    running.push(partner)
    pids.push(partner.pid)

    log(`  phase 1: a Docker peer runs a task writing ${o.mb} MB of output while its API is probed every ${o.probeMs} ms …`)
    const runner = await startPeerProcess({ ...base, name: 'runner', bootstrap: [partner.ready.addr], api: true, dockerOwner: `bench-flood-${process.pid}` })
    running.push(runner)
    pids.push(runner.pid)
    const runnerApi = measuredApi(runner).client
    const script = `yes "$(printf "%0${LINE_BYTES - 1}d" 0)" | head -c ${Math.round(o.mb * 1e6)}`
    const flood = await phase(runner, o.probeMs, o.quietMs, async () => {
      const { taskId } = await runnerApi.submitTask({ image: o.image, command: ['sh', '-c', script], memoryMb: 128, timeoutSec: Math.ceil(o.taskTimeoutMs / 1000) })
      return await waitForEnd(runnerApi, taskId, o.taskTimeoutMs)
    })
    const output: OutputPhase = {
      ...flood.phase,
      task: { status: flood.result.status, exitCode: flood.result.exitCode, error: flood.result.error },
      mbPerSec: Math.round(o.mb / (flood.phase.durationMs / 1000) * 10) / 10
    }
    log(`  task ${output.task.status} after ${(output.durationMs / 1000).toFixed(1)} s; API p95 status ${output.api.status.p95} ms, tasks ${output.api.tasks.p95} ms`)
    await runner.stop()
    running.splice(running.indexOf(runner), 1)

    log(`  phase 2: ${o.burst} tasks posted to a peer with no executor, ${o.concurrency} at a time …`)
    const submitter = await startPeerProcess({ ...base, name: 'submitter', bootstrap: [partner.ready.addr], api: true })
    running.push(submitter)
    pids.push(submitter.pid)
    const submitterApi = measuredApi(submitter).client
    const burst = await phase(submitter, o.probeMs, o.quietMs, async () => {
      const posted = await postBurst(submitterApi, o)
      log(`  ${posted.accepted} accepted, ${JSON.stringify(posted.refused)} refused, ${posted.failed} failed in ${(posted.postMs / 1000).toFixed(1)} s; measuring ${o.quietMs / 1000} s more …`)
      // the work a burst leaves behind (index writes, gossip) counts too
      await sleep(o.quietMs)
      return posted
    })
    const listed = (await submitterApi.listTasks().catch(() => [])).length
    const burstPhase: BurstPhase = { ...burst.phase, ...burst.result, listed }

    const goalMet = {
      outputApi: meets(output.api),
      outputMemory: output.rssGrowthMb <= RSS_GROWTH_GOAL_MB,
      burstApi: meets(burstPhase.api),
      burstMemory: burstPhase.rssGrowthMb <= RSS_GROWTH_GOAL_MB
    }
    return {
      experiment: 'flood', mb: o.mb, burst: o.burst, concurrency: o.concurrency, probeMs: o.probeMs,
      output, burstPhase, goals: { apiP95Ms: API_P95_GOAL_MS, rssGrowthMb: RSS_GROWTH_GOAL_MB }, goalMet, pids
    }
  } finally {
    for (const p of running.reverse()) await p.stop()
    await rm(root, { recursive: true, force: true })
  }
}

function meets (api: ApiLatency): boolean {
  return api.errors === 0 && (api.status.p95 ?? Infinity) < API_P95_GOAL_MS && (api.tasks.p95 ?? Infinity) < API_P95_GOAL_MS
}
