// One point of the scale experiment (issue 6): N real peers in P worker processes, settled, then
// measured idle, then N × tasks-per-agent simulated sleep tasks from a few submitter peers until
// every task is terminal in its submitter's view. Any failure to start or finish in time is
// reported for that size (`error`), never a hang.
import { isTerminal } from '../../shared/index.js'
import { MachineLoad, type TestbedLoad } from './machine-load.js'
import type { WorkerMeasure } from './multi-testbed-protocol.js'
import { startMultiTestbed, type MultiTestbed } from './multi-testbed.js'
import { ScaleObserver } from './scale-observer.js'
import { distribution, type Distribution } from './stats.js'
import type { DuplicateCommit, DuplicateRun } from './claim-observer.js'

export interface ScaleOptions {
  agents: number
  tasksPerAgent: number
  procs: number
  submitters: number
  slots: number
  ttlMs: number
  taskMs: number
  /** Start-up (processes, peers, routing tables) must finish within this. */
  startTimeoutMs: number
  settleSec: number
  idleSec: number
  /** Every task must be terminal this long after the first submit. */
  deadlineSec: number
  /** Dials in flight at once among one worker process's peers (0: only each peer's own bound of 2). */
  dialsPerProc: number
}

/** One phase's cost, per peer and per process. */
export interface PhaseCost {
  seconds: number
  /** Sum of the worker processes' CPU ÷ peers, % of one core. */
  cpuPctPerPeer: number
  /** Each worker's RSS ÷ its peers, the largest. */
  rssMbPerPeer: number
  /** Bytes through the peers' sockets per peer per second, each direction. */
  bytesInPerPeerPerSec: number
  bytesOutPerPeerPerSec: number
  gossipMsgsInPerPeerPerSec: number
  connectionsPerPeer: number
  /** Distinct members each peer is connected to (at the phase's end), on average. */
  membersReachedPerPeer: number
  /** Peers that reached a majority of the members they knew at the phase's end (only those claim). */
  withMajority: number
  /** Connections opened per peer per minute (either side): steady links open none. */
  connectionsOpenedPerPeerPerMin: number
  /** Every worker process's own load: event-loop delay and CPU. */
  processes: Array<{ peers: number, cpuPct: number, eventLoopP99Ms: number, eventLoopMaxMs: number, rssMb: number, peakRssMb: number }>
}

export interface ScaleRun {
  agents: number
  procs: number
  tasks: number
  executor: string
  /** The worker processes' ids (all gone once the run returns). */
  pids?: number[]
  /** Set when this size could not be measured: why (start-up or deadline). */
  error?: string
  startupMs?: number
  routingTableShort?: number
  idle?: PhaseCost
  work?: PhaseCost
  submitted?: number
  successRate?: number
  statuses?: Record<string, number>
  duplicateCommits?: number
  duplicateExecutions?: number
  claimLatencyMs?: Distribution
  /** First submit → every task terminal (or → the deadline when timedOut). */
  durationMs?: number
  timedOut?: boolean
  /** Peak RSS of each worker ÷ its peers, the largest. */
  peakRssMbPerPeer?: number
  /** The parent (observer) process during the work phase. */
  parentLoad?: TestbedLoad
  duplicates?: DuplicateCommit[]
  duplicateRuns?: DuplicateRun[]
}

export const EXECUTOR_LABEL = 'simulated-sleep (no containers)'
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
const r2 = (n: number): number => Math.round(n * 100) / 100

function phaseCost (m: WorkerMeasure[]): PhaseCost {
  const peers = Math.max(1, m.reduce((n, w) => n + w.peers, 0))
  const sec = Math.max(0.001, Math.max(...m.map(w => w.wallMs)) / 1000)
  const sum = (f: (w: WorkerMeasure) => number): number => m.reduce((n, w) => n + f(w), 0)
  return {
    seconds: r2(sec),
    cpuPctPerPeer: r2(sum(w => w.load.processCpuPct) / peers),
    rssMbPerPeer: r2(Math.max(...m.map(w => w.rssMb / Math.max(1, w.peers)))),
    bytesInPerPeerPerSec: Math.round(sum(w => w.bytesIn) / peers / sec),
    bytesOutPerPeerPerSec: Math.round(sum(w => w.bytesOut) / peers / sec),
    gossipMsgsInPerPeerPerSec: r2(sum(w => w.gossipIn) / peers / sec),
    connectionsPerPeer: r2(sum(w => w.connections) / peers),
    membersReachedPerPeer: r2(sum(w => w.membersReached) / peers),
    withMajority: sum(w => w.withMajority),
    connectionsOpenedPerPeerPerMin: r2(sum(w => w.connectionsOpened) / peers / sec * 60),
    processes: m.map(w => ({ peers: w.peers, cpuPct: w.load.processCpuPct, eventLoopP99Ms: w.load.eventLoopDelayMs.p99, eventLoopMaxMs: w.load.eventLoopDelayMs.max, rssMb: w.rssMb, peakRssMb: w.peakRssMb }))
  }
}

export async function runScale (o: ScaleOptions, log: (line: string) => void = () => {}): Promise<ScaleRun> {
  const tasks = o.agents * o.tasksPerAgent
  const head = { agents: o.agents, procs: Math.min(o.procs, o.agents), tasks, executor: EXECUTOR_LABEL }
  const obs = new ScaleObserver()
  const t0 = Date.now()
  let bed: MultiTestbed
  try {
    bed = await startMultiTestbed({
      peers: o.agents, procs: o.procs, ttlMs: o.ttlMs, slots: o.slots, startTimeoutMs: o.startTimeoutMs, dialsPerProc: o.dialsPerProc,
      onEvents: e => { obs.ingest(e) }, log
    })
  } catch (err) {
    return { ...head, error: `start-up failed after ${Math.round((Date.now() - t0) / 1000)} s: ${err instanceof Error ? err.message : String(err)}` }
  }
  const startupMs = Date.now() - t0
  try {
    log(`  up in ${(startupMs / 1000).toFixed(1)} s (${bed.shortOfPeers} short of peers); settling ${o.settleSec} s, then ${o.idleSec} s idle …`)
    await sleep(o.settleSec * 1000)
    const idle = phaseCost(await bed.measure(o.idleSec * 1000))

    const submitters = Array.from({ length: Math.min(o.submitters, o.agents) }, (_, i) => i)
    const start = Date.now()
    const deadline = start + o.deadlineSec * 1000
    const parent = new MachineLoad()
    await bed.measureStart()
    const taskIds = new Map<number, string[]>()
    const counts = await Promise.all(submitters.map(async (index, s) => {
      const count = Math.floor(tasks / submitters.length) + (s < tasks % submitters.length ? 1 : 0)
      return await bed.submit(index, count, o.taskMs, deadline).catch(() => 0)
    }))
    const submitted = counts.reduce((a, b) => a + b, 0)
    log(`  ${submitted} of ${tasks} tasks submitted in ${((Date.now() - start) / 1000).toFixed(1)} s by ${submitters.length} peers`)
    // Events of the last submits may still be in flight: wait until the observer has them all.
    while (obs.submittedCount < submitted && Date.now() < deadline) await sleep(200)
    // Each submitter reads back the tasks it submitted (its view decides success).
    for (const index of submitters) taskIds.set(index, obs.submittedBy(bed.peers[index]!.peerId))
    const owned = (i: number): string[] => taskIds.get(i) ?? []
    const statusOf = async (): Promise<string[]> => (await Promise.all(submitters.map(async i => await bed.status(i, owned(i)).catch(() => owned(i).map(() => 'unknown'))))).flat()
    let statuses: string[] = []
    for (;;) {
      statuses = await statusOf()
      if (submitted === tasks && statuses.every(s => isTerminal(s as never))) break
      if (Date.now() > deadline) break
      await sleep(1000)
    }
    const durationMs = Date.now() - start
    const timedOut = !(submitted === tasks && statuses.every(s => isTerminal(s as never)))
    // Late writers show themselves here: a duplicate commit could land after the submitter saw a result.
    await sleep(Math.min(5000, o.ttlMs))
    const work = phaseCost(await bed.measureStop())
    const parentLoad = parent.stop()
    const byStatus: Record<string, number> = {}
    for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1
    const duplicates = obs.duplicateCommits()
    const duplicateRuns = obs.duplicateExecutions()
    const measures = [...idle.processes, ...work.processes]
    return {
      ...head,
      ...(timedOut ? { error: `${tasks - (byStatus.succeeded ?? 0)} of ${tasks} tasks not succeeded within the ${o.deadlineSec} s deadline` } : {}),
      pids: bed.pids,
      startupMs,
      routingTableShort: bed.shortOfPeers,
      idle,
      work,
      submitted,
      successRate: r2((byStatus.succeeded ?? 0) / tasks),
      statuses: byStatus,
      duplicateCommits: duplicates.length,
      duplicateExecutions: duplicateRuns.length,
      claimLatencyMs: distribution(obs.claimLatencies()),
      durationMs,
      timedOut,
      peakRssMbPerPeer: r2(Math.max(...measures.map(p => p.peakRssMb / Math.max(1, p.peers)))),
      parentLoad,
      duplicates: duplicates.slice(0, 10),
      duplicateRuns: duplicateRuns.slice(0, 10)
    }
  } finally {
    await bed.stop()
  }
}
