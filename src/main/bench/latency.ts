// The latency experiment: how much slower is one task through the peers than the same container
// started with `docker run`? A small testbed (one submitter, providers with the real Docker
// executor) runs one task at a time; bare `docker run`s alternate with the peer runs so drift in
// the engine hits both alike. The timeline of every run says where the peer's extra time goes.
// Peers are in-process, so one clock (performance.now()) serves all.
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { isTerminal, type TaskStatus } from '../../shared/index.js'
import { DockerExecutor } from '../executor/docker/index.js'
import type { Peer } from '../peer/index.js'
import { breakdown, figure, profileRun, type Breakdown, type Figure, type RunProfile } from './latency-profile.js'
import { Timeline } from './latency-trace.js'
import { startTestbed, waitUntil } from './testbed.js'

export interface LatencyOptions {
  /** Measured runs of each kind (bare and peer); one warm-up of each comes first, excluded. */
  runs: number
  /** Testbed size: peer 0 submits only, the others are providers. */
  peers: number
  image: string
  /** Shell command the container runs (`sh -c`). */
  cmd: string
  ttlMs: number
  /** Longest wait for one peer run to succeed. Default 60 s. */
  runTimeoutMs?: number
  /**
   * Providers lend what this machine's real load leaves, as in the product (default true). Tests
   * of the bench's plumbing turn it off so other work on a shared machine cannot stall a run.
   */
  realLoad?: boolean
}

export interface LatencySummary extends Breakdown {
  experiment: 'latency'
  executor: string
  runs: number
  peers: number
  providers: number
  image: string
  cmd: string
  leaseTtlMs: number
  /** `docker run --rm` spawned → exited. */
  bareRunMs: Figure
  /** `docker run --rm` spawned → its first stdout line. */
  bareFirstLineMs: Figure
  /** submitTask called → the submitter has the first output line. */
  peerFirstLineMs: Figure
  /** submitTask called → the submitter sees `succeeded`. */
  peerDoneMs: Figure
  /** Per run: submit → done minus the executor's own run (image check → container removed): what the peers add. */
  protocolMs: Figure
  /** p50(peerDoneMs) ÷ p50(bareRunMs). */
  overheadRatio: number | null
  /** p50(peerFirstLineMs) ÷ p50(bareFirstLineMs). */
  firstLineRatio: number | null
  goal: number
  goalMet: boolean
  /** Peer runs that did not succeed in time (left out of every figure), with up to 5 reasons. */
  failedRuns: number
  failures: string[]
  /** Claims that lost a race to another provider (each cost DHT round trips). */
  lostClaims: number
  /** Measured peer runs nobody had claimed STALL_MS after the submit, and up to 5 of the peers' reasons. */
  stalledRuns: number
  stalls: string[]
  startupMs: number
}

/** The overhead the product aims for: a task through the peers costs at most 1.3× `docker run`. */
export const LATENCY_GOAL = 1.3
/** Quiet time before every measured run: the previous run's gossip (meta, index) has settled. */
const PAUSE_MS = 500
/** A run nobody claimed this long after the submit asks the providers why (the API's whyTask). */
export const STALL_MS = 1000
/** After the result, how long the submitter's copy of the output may still take to arrive. */
const LINE_GRACE_MS = 3000
const SUBMITTER = 0
const execFileAsync = promisify(execFile)
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

export async function runLatency (o: LatencyOptions, log: (line: string) => void = () => {}): Promise<LatencySummary> {
  if (o.peers < 2) throw new Error('latency needs at least 2 peers (a submitter and a provider)')
  await requireLocalImage(o.image)
  const t0 = performance.now()
  const timeline = new Timeline()
  // Own label: the executor's start removes leftovers of its owner only, never another suite's.
  const owner = `bench-latency-${process.pid}`
  let executorName = ''
  const bed = await startTestbed({
    peers: o.peers, ttlMs: o.ttlMs, slots: 1, realLoad: o.realLoad ?? true,
    executorFor: i => {
      if (i === SUBMITTER) return undefined
      const executor = new DockerExecutor({ docker: timeline.docker(i), owner })
      executorName = executor.name
      return timeline.executor(executor, i)
    }
  })
  try {
    bed.peers.forEach((p, i) => { timeline.watch(p, i) })
    const submitter = bed.peers[SUBMITTER]!
    const providers = bed.peers.filter((_, i) => i !== SUBMITTER)
    const bedUp = performance.now() - t0
    // Providers rank each other for every task; one missing from a view races instead of waiting.
    const meshed = await waitUntil(async () => await everyoneSeesProviders(bed.peers, providers), 30_000, 250)
    const startupMs = performance.now() - t0
    log(`  ${o.peers} peers up in ${(bedUp / 1000).toFixed(1)} s, every provider's meta seen by all after ${(startupMs / 1000).toFixed(1)} s` +
      (meshed === undefined ? ' (some peers still miss one: the warm-up runs anyway)' : ''))

    const bare: Array<{ doneMs: number, firstLineMs: number | null }> = []
    const peer: Array<Extract<PeerRun, { status: 'succeeded' }>> = []
    const failures: string[] = []
    const stalls: string[] = []
    for (let i = 0; i <= o.runs; i++) {
      const warmUp = i === 0
      // Alternating which kind goes first: neither always follows the other's cleanup.
      const order = i % 2 === 0 ? ['bare', 'peer'] as const : ['peer', 'bare'] as const
      let line = warmUp ? '  warm-up:' : `  run ${i}/${o.runs}:`
      for (const kind of order) {
        await waitUntil(() => providers.every(p => p.scheduler.runningCount === 0), 30_000, 50)
        await sleep(PAUSE_MS)
        if (kind === 'bare') {
          const b = await bareDockerRun(o.image, o.cmd)
          if (!warmUp) bare.push(b)
          line += ` bare ${Math.round(b.doneMs)} ms (line ${fmt(b.firstLineMs)})`
          continue
        }
        const r = await peerRun(submitter, timeline, o)
        if (r.status !== 'succeeded') {
          line += ` peer FAILED (${r.reason})`
          if (!warmUp) failures.push(r.reason)
          continue
        }
        if (!warmUp) {
          peer.push(r)
          if (r.stall !== undefined) stalls.push(`run ${i}: claimed after ${fmt(r.profile.at.claimed ?? null)}; at ${STALL_MS} ms: ${r.stall}`)
        }
        line += ` peer ${Math.round(r.doneMs)} ms (line ${fmt(r.firstLineMs)}) on peer ${r.profile.holder ?? '?'}${r.stall === undefined ? '' : ' (stalled)'}`
      }
      log(line)
    }
    if (peer.length === 0) throw new Error(`no peer run succeeded: ${failures.slice(0, 3).join('; ')}`)

    const bareRunMs = figure(bare.map(b => b.doneMs))
    const bareFirstLineMs = figure(bare.flatMap(b => b.firstLineMs ?? []))
    const peerDoneMs = figure(peer.map(r => r.doneMs))
    const peerFirstLineMs = figure(peer.flatMap(r => r.firstLineMs ?? []))
    const overheadRatio = ratio(peerDoneMs.p50, bareRunMs.p50)
    const protocolMs = figure(peer.flatMap(r => {
      const { execStart, execEnd } = r.profile.at
      return execStart === undefined || execEnd === undefined ? [] : [r.doneMs - (execEnd - execStart)]
    }))
    return {
      experiment: 'latency',
      executor: executorName,
      runs: o.runs,
      peers: o.peers,
      providers: providers.length,
      image: o.image,
      cmd: o.cmd,
      leaseTtlMs: o.ttlMs,
      bareRunMs,
      bareFirstLineMs,
      peerFirstLineMs,
      peerDoneMs,
      protocolMs,
      overheadRatio,
      firstLineRatio: ratio(peerFirstLineMs.p50, bareFirstLineMs.p50),
      goal: LATENCY_GOAL,
      goalMet: overheadRatio !== null && overheadRatio <= LATENCY_GOAL,
      failedRuns: failures.length,
      failures: failures.slice(0, 5),
      lostClaims: peer.reduce((n, r) => n + r.profile.lostClaims, 0),
      stalledRuns: stalls.length,
      stalls: stalls.slice(0, 5),
      startupMs: Math.round(startupMs),
      ...breakdown(peer.map(r => r.profile))
    }
  } finally {
    await bed.stop()
  }
}

type PeerRun =
  | { status: 'succeeded', doneMs: number, firstLineMs: number | null, profile: RunProfile, stall?: string }
  | { status: 'failed', reason: string }

/** One task through the submitter's API, timed from the submit call to what the submitter sees. */
async function peerRun (submitter: Peer, timeline: Timeline, o: LatencyOptions): Promise<PeerRun> {
  const t0 = performance.now()
  let taskId: string
  try {
    taskId = (await submitter.submitTask({ image: o.image, command: ['sh', '-c', o.cmd] })).taskId
  } catch (err) {
    return { status: 'failed', reason: `submit: ${err instanceof Error ? err.message : String(err)}` }
  }
  const submitReturned = performance.now()
  const seen = (what: string, test: (detail: string | undefined) => boolean): boolean =>
    timeline.of(taskId).some(m => m.peer === SUBMITTER && m.what === what && test(m.detail))
  // The marks carry the times; polling only decides when to stop waiting (and when to ask why).
  let asking: Promise<string | undefined> | undefined
  const done = await waitUntil(() => {
    if (asking === undefined && performance.now() - t0 > STALL_MS && !timeline.of(taskId).some(m => m.what === 'bus:lease:claimed')) {
      asking = whyUnclaimed(submitter, taskId)
    }
    return seen('bus:task:state', d => isTerminal(d as TaskStatus))
  }, o.runTimeoutMs ?? 60_000, 20)
  const stall = await asking
  if (done === undefined) {
    // Asked again now: the answer at the deadline is the one that explains it.
    const why = timeline.of(taskId).some(m => m.what === 'bus:lease:claimed') ? 'claimed but not finished' : await whyUnclaimed(submitter, taskId)
    await submitter.cancelTask(taskId).catch(() => {})
    return { status: 'failed', reason: `no result within ${(o.runTimeoutMs ?? 60_000) / 1000} s (${why ?? 'no answer'})` }
  }
  // The output copy and the holder's commit acknowledgement may land after the submitter saw the result.
  await waitUntil(() => seen('bus:task:log', d => d !== 'system'), LINE_GRACE_MS, 20)
  await waitUntil(() => timeline.of(taskId).some(m => m.what === 'bus:lease:committed'), LINE_GRACE_MS, 20)
  const profile = profileRun(timeline, taskId, t0, submitReturned, SUBMITTER)
  const terminal = timeline.of(taskId).find(m => m.peer === SUBMITTER && m.what === 'bus:task:state' && isTerminal(m.detail as TaskStatus))!
  if (terminal.detail !== 'succeeded') {
    const task = await submitter.getTask(taskId).catch(() => undefined)
    return { status: 'failed', reason: `${terminal.detail ?? '?'}: ${task?.error ?? `exit ${String(task?.exitCode)}`}` }
  }
  return { status: 'succeeded', doneMs: terminal.at - t0, firstLineMs: profile.at.submitterFirstLine ?? null, profile, stall }
}

/** The providers' own account of why they do not take the task (the placement check), in one line. */
async function whyUnclaimed (submitter: Peer, taskId: string): Promise<string | undefined> {
  try {
    const why = await submitter.whyTask(taskId)
    return why.answers.filter(a => a.peerId !== submitter.peerId).map(a => `${a.name}: ${a.message}`).join('; ')
  } catch (err) {
    return `whyTask failed: ${err instanceof Error ? err.message : String(err)}`
  }
}

/** `docker run --rm <image> sh -c <cmd>` with the docker CLI: wall time to exit and to the first stdout line. */
export async function bareDockerRun (image: string, cmd: string): Promise<{ doneMs: number, firstLineMs: number | null }> {
  const t0 = performance.now()
  const child = spawn('docker', ['run', '--rm', image, 'sh', '-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] })
  let firstLine: number | undefined
  let sawOutput = false
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    sawOutput = true
    if (firstLine === undefined && chunk.includes(0x0a)) firstLine = performance.now()
  })
  child.stderr.on('data', (chunk: Buffer) => { if (stderr.length < 2000) stderr += chunk.toString('utf8') })
  let exitedAt = 0
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', () => { exitedAt = performance.now() })
    // 'close' follows 'exit' once stdout is drained: every line has been seen by then.
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`docker run --rm ${image} exited with ${String(code)}: ${stderr.trim().slice(0, 300)}`)
  // Output without a newline is one line, complete at the exit (as the executor's line splitter has it).
  if (firstLine === undefined && sawOutput) firstLine = exitedAt
  return { doneMs: exitedAt - t0, firstLineMs: firstLine === undefined ? null : firstLine - t0 }
}

/** No registry is reachable here: a missing image would only fail every run after a pull timeout. */
export async function requireLocalImage (image: string): Promise<void> {
  try {
    await execFileAsync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { timeout: 30_000 })
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() ?? (err instanceof Error ? err.message : String(err))
    throw new Error(`image ${image} is not usable (${detail.split('\n')[0]}); build the local test image with \`node scripts/test-setup.mjs\` (as root)`, { cause: err })
  }
}

/** Every peer knows every other provider's meta and that its Docker executor is up. */
export async function everyoneSeesProviders (peers: Peer[], providers: Peer[]): Promise<boolean> {
  for (const p of peers) {
    const views = await p.peers()
    const ok = providers.every(q => q === p || views.some(v => v.peerId === q.peerId && v.meta?.dockerOk === true))
    if (!ok) return false
  }
  return true
}

function ratio (a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round(a / b * 100) / 100
}

const fmt = (ms: number | null): string => ms === null ? '–' : `${Math.round(ms)} ms`
