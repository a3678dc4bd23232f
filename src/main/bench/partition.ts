// The partition experiment: N real peers, split into two halves by a connection gater for T seconds
// while simulated tasks run, then healed. Checks the fencing (at most one terminal result selected
// per task), that every task completes after the heal, and how often the halves ran a task twice.
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { isTerminal, type TaskStatus } from '../../shared/index.js'
import { SimulatedSleepExecutor } from '../executor/index.js'
import type { Peer } from '../peer/index.js'
import { ClaimObserver, type DuplicateCommit } from './claim-observer.js'
import { MachineLoad } from './machine-load.js'
import { RunLog, type OverlapReport } from './partition-runs.js'
import { startTestbed, waitUntil } from './testbed.js'

export interface PartitionOptions {
  peers: number
  tasks: number
  slots: number
  taskMs: number
  ttlMs: number
  /** Split this long after the first task is claimed. */
  splitAtMs: number
  /** How long the halves stay apart (T). */
  splitForMs: number
  timeoutMs: number
  /** Peers in the first half. Default half of them. */
  first?: number
}

type Half = 0 | 1
type PerHalf = [number, number]
interface Progress { submitted: number, claimed: number }

/** How loaded the testbed was (MachineLoad, in the fields this summary has always had). */
interface LoadReport {
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** This process's CPU over the run, % of one core. */
  cpuPct: number
  machineCpuPct: number
  maxLoadAvg: number
}

export interface PartitionSummary extends LoadReport {
  experiment: 'partition'
  peers: number
  halves: PerHalf
  tasks: number
  taskMs: number
  slotsPerPeer: number
  leaseTtlMs: number
  executor: string
  /** Actual moments, ms after the first submit (the split comes splitAt after the first claim). */
  splitAtMs: number
  healedAtMs: number
  crossConnectionsBeforeSplit: number
  /** Most connections between the halves open at any sample taken during the split (must be 0). */
  crossConnectionsDuringSplit: number
  /**
   * Fewest peers of each half that reached a majority of the members (and so could write leases)
   * at any sample before and during the split; a half without a majority waits for the heal.
   */
  withMajority: { beforeSplit: PerHalf, duringSplit: PerHalf }
  /** Heal → every peer reaches a majority again (sampled every 250 ms; null if never). */
  majorityBackMs: number | null
  /** Claims that lost their verifying re-read (a race, or the majority lost meanwhile), per phase. */
  claimsLost: { beforeSplit: number, duringSplit: number, afterHeal: number }
  /** Tasks committed by a provider of each half, per phase (a task committed in both counts twice). */
  committed: { beforeSplit: PerHalf, duringSplit: PerHalf, afterHeal: PerHalf }
  /**
   * Per half, how long after the cut its last commit during the split came (null: none). A half
   * without a majority commits only what was in flight at the cut, so its figure stays small.
   */
  lastCommitAfterCutMs: [number | null, number | null]
  /** How long hanging up every connection between the halves took (writes in flight until then may still land). */
  cutTookMs: number
  /** Where the work stood when the split began and when it healed (tasks submitted / first claimed). */
  progress: { atSplit: Progress, atHeal: Progress }
  submitted: number
  successRate: number
  statuses: Partial<Record<TaskStatus | 'unknown', number>>
  duplicateCommits: number
  duplicates: DuplicateCommit[]
  /** Runs of one task executing at the same moment; `committedTwice` of those tasks also have a duplicate commit. */
  duplicateExecutions: Omit<OverlapReport, 'examples'> & { committedTwice: number }
  duplicateExecutionExamples: OverlapReport['examples']
  /** Up to 10 tasks that did not succeed, with the reason their submitter's view gives. */
  failures: Array<{ taskId: string, status: string, attempts: number, error: string | null }>
  /** Heal → every task terminal in its submitter's view (0 if all were done before the heal). */
  healToAllCompleteMs: number | null
  durationMs: number
  timedOut: boolean
  startupMs: number
}

const SUBMIT_CONCURRENCY = 4
/** Explicit dials per peer into the other half at heal (the DHT then finds the rest). */
const HEAL_DIALS = 3
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Which half each peer is in, and whether the split is on: every peer's gater asks it. */
class Partition {
  active = false
  readonly halfOf = new Map<string, Half>()

  gater (self: Half): ConnectionGater {
    const deny = (remote: PeerId): boolean => this.active && this.halfOf.has(remote.toString()) && this.halfOf.get(remote.toString()) !== self
    return { denyDialPeer: deny, denyInboundEncryptedConnection: deny, denyOutboundEncryptedConnection: deny }
  }
}

export async function runPartition (o: PartitionOptions, log: (line: string) => void = () => {}): Promise<PartitionSummary> {
  const t0 = performance.now()
  const firstHalf = o.first ?? Math.floor(o.peers / 2)
  const half = (i: number): Half => i < firstHalf ? 0 : 1
  const part = new Partition()
  const obs = new ClaimObserver()
  const runs = new RunLog()
  const owners: Array<string | undefined> = []
  let executorName = ''
  const bed = await startTestbed({
    peers: o.peers, ttlMs: o.ttlMs, slots: o.slots,
    gaterFor: i => part.gater(half(i)),
    executorFor: i => {
      const hook = obs.runHook(() => owners[i])
      const ex = new SimulatedSleepExecutor({
        onRun: e => {
          hook(e)
          const id = owners[i]
          if (id === undefined) return
          if (e.phase === 'start') runs.start(e.taskId, id, e.epoch, performance.now())
          else runs.end(e.taskId, id, e.epoch, performance.now())
        }
      })
      executorName = ex.name
      return ex
    }
  })
  const machine = new MachineLoad()
  const load = {
    stop: (): LoadReport => {
      const l = machine.stop()
      return { eventLoopDelayMs: l.eventLoopDelayMs, cpuPct: l.processCpuPct, machineCpuPct: l.machineCpuPct, maxLoadAvg: l.maxLoadAvg }
    }
  }
  try {
    bed.peers.forEach((p, i) => { owners[i] = p.peerId; part.halfOf.set(p.peerId, half(i)); obs.watch(p) })
    const startupMs = performance.now() - t0
    const sides: [Peer[], Peer[]] = [bed.peers.filter((_, i) => half(i) === 0), bed.peers.filter((_, i) => half(i) === 1)]
    log(`  ${o.peers} peers up in ${(startupMs / 1000).toFixed(1)} s; halves of ${sides[0].length} and ${sides[1].length}`)

    // Commits per phase and half, from each provider's own bus.
    const phase = { now: 'beforeSplit' as keyof PartitionSummary['committed'] }
    const committed: PartitionSummary['committed'] = { beforeSplit: [0, 0], duringSplit: [0, 0], afterHeal: [0, 0] }
    const claimsLost = { beforeSplit: 0, duringSplit: 0, afterHeal: 0 }
    const lastCommitAfterCutMs: PartitionSummary['lastCommitAfterCutMs'] = [null, null]
    let cutAt = 0
    bed.peers.forEach((p, i) => p.bus.on(e => {
      if (e.type === 'lease:committed') committed[phase.now][half(i)]++
      if (e.type === 'lease:committed' && phase.now === 'duringSplit') lastCommitAfterCutMs[half(i)] = Math.round(performance.now() - cutAt)
      if (e.type === 'lease:lost') claimsLost[phase.now]++
    }))
    const withMajority: PartitionSummary['withMajority'] = { beforeSplit: [sides[0].length, sides[1].length], duringSplit: [sides[0].length, sides[1].length] }
    let majorityBackMs: number | null = null
    const majoritySampler = setInterval(() => {
      const counts: PerHalf = [0, 0]
      bed.peers.forEach((p, i) => { if (p.membership.hasMajority()) counts[half(i)]++ })
      if (phase.now === 'afterHeal') {
        if (majorityBackMs === null && counts[0] + counts[1] === bed.peers.length && times.healed >= 0) majorityBackMs = at() - times.healed
        return
      }
      const seen = withMajority[phase.now]
      withMajority[phase.now] = [Math.min(seen[0], counts[0]), Math.min(seen[1], counts[1])]
    }, 250)
    majoritySampler.unref()

    const crossConnections = (): number => sides[0].reduce((n, p) =>
      n + p.node.getConnections().filter(c => c.status === 'open' && part.halfOf.get(c.remotePeer.toString()) === 1).length, 0)

    const submitters = [sides[0][0]!, sides[1][0]!]
    const tasks: Array<{ taskId: string, submitter: Peer }> = []
    const workStart = performance.now()
    const at = (): number => Math.round(performance.now() - workStart)
    const times = { split: -1, healed: -1, crossBefore: 0, crossDuring: 0, cutTook: 0 }
    const progress = { atSplit: { submitted: 0, claimed: 0 }, atHeal: { submitted: 0, claimed: 0 } }
    const snapshot = (): Progress => ({ submitted: tasks.length, claimed: obs.claimedCount })

    // The clock starts at the first claim, not the first submit: a submit to 20 loaded peers can
    // take seconds, and a split before any work runs would test nothing but queued tasks.
    const firstClaim = waitUntil(() => obs.claimedCount > 0, o.timeoutMs, 20)
    const splitting = (async () => {
      await firstClaim
      await sleep(o.splitAtMs)
      times.crossBefore = crossConnections()
      // The gater refuses new connections; open ones (gossip, DHT, identify ride them) are cut here.
      part.active = true
      cutAt = performance.now()
      times.split = at()
      progress.atSplit = snapshot()
      await Promise.all(sides[0].flatMap(p => sides[1].map(async q => { await p.node.hangUp(q.node.peerId).catch(() => {}) })))
      times.cutTook = Math.round(performance.now() - cutAt)
      log(`  split at ${(times.split / 1000).toFixed(1)} s: ${times.crossBefore} connections between the halves cut`)
      const splitEnd = performance.now() + o.splitForMs - (at() - times.split)
      while (performance.now() < splitEnd) {
        times.crossDuring = Math.max(times.crossDuring, crossConnections())
        await sleep(Math.min(200, Math.max(0, splitEnd - performance.now())))
      }
      part.active = false
      times.healed = at()
      progress.atHeal = snapshot()
      log(`  healed at ${(times.healed / 1000).toFixed(1)} s (${committed.duringSplit[0]} + ${committed.duringSplit[1]} commits in the halves during the split)`)
      phase.now = 'afterHeal'
      await Promise.all(bed.peers.map(async (p, i) => {
        const others = sides[1 - half(i)]!
        for (let k = 0; k < HEAL_DIALS; k++) {
          const q = others[Math.floor(Math.random() * others.length)]!
          await p.node.dial(q.node.getMultiaddrs()[0]!).catch(() => {})
        }
      }))
    })()
    const splitPhase = (async () => { await firstClaim; await sleep(o.splitAtMs); phase.now = 'duringSplit' })()

    await Promise.all(submitters.map(async (submitter, s) => {
      let next = s
      await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
        for (; next < o.tasks && performance.now() - workStart < o.timeoutMs;) {
          next += submitters.length
          const start = performance.now()
          const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', `sleep ${o.taskMs / 1000}`], timeoutSec: 3600 })
          obs.submitted(taskId, start)
          tasks.push({ taskId, submitter })
        }
      }))
    }))
    log(`  ${tasks.length} tasks submitted in ${(at() / 1000).toFixed(1)} s by one submitter in each half`)

    const statusOf = async (): Promise<Array<TaskStatus | 'unknown'>> =>
      await Promise.all(tasks.map(async t => await t.submitter.getTask(t.taskId).then(v => v.status, () => 'unknown' as const)))
    const allDone = async (): Promise<boolean> => tasks.length === o.tasks && (await statusOf()).every(s => s !== 'unknown' && isTerminal(s))
    // Done means: the heal happened and every task is terminal (a split that finds all work done proves nothing new).
    let doneAt: number | undefined
    const finished = await waitUntil(async () => {
      if (!await allDone()) return false
      doneAt ??= at()
      return times.healed >= 0
    }, o.timeoutMs, 250)
    const durationMs = at()
    await splitPhase
    if (finished === undefined) part.active = false
    await splitting
    clearInterval(majoritySampler)

    // Late writers: a duplicate commit could land after the submitters saw a result.
    await waitUntil(() => bed.peers.every(p => p.scheduler.runningCount === 0), o.ttlMs + 2000)
    const views = await Promise.all(tasks.map(async t => await t.submitter.getTask(t.taskId).catch(() => undefined)))
    const statuses: PartitionSummary['statuses'] = {}
    for (const v of views) statuses[v?.status ?? 'unknown'] = (statuses[v?.status ?? 'unknown'] ?? 0) + 1
    const failures = views.flatMap((v, i) => v?.status === 'succeeded' ? [] : [{ taskId: tasks[i]!.taskId, status: v?.status ?? 'unknown', attempts: v?.attempts ?? 0, error: v?.error ?? null }])
    const duplicates = obs.duplicateCommits()
    const overlaps = runs.overlaps(performance.now())
    const twice = new Set(duplicates.map(d => d.taskId))
    return {
      experiment: 'partition',
      peers: o.peers,
      halves: [sides[0].length, sides[1].length],
      tasks: o.tasks,
      taskMs: o.taskMs,
      slotsPerPeer: o.slots,
      leaseTtlMs: o.ttlMs,
      executor: executorName,
      splitAtMs: times.split,
      healedAtMs: times.healed,
      crossConnectionsBeforeSplit: times.crossBefore,
      crossConnectionsDuringSplit: times.crossDuring,
      withMajority,
      majorityBackMs,
      claimsLost,
      lastCommitAfterCutMs,
      cutTookMs: times.cutTook,
      committed,
      progress,
      submitted: tasks.length,
      successRate: (statuses.succeeded ?? 0) / o.tasks,
      statuses,
      duplicateCommits: duplicates.length,
      duplicates: duplicates.slice(0, 10),
      duplicateExecutions: { tasks: overlaps.tasks, totalOverlapMs: overlaps.totalOverlapMs, maxOverlapMs: overlaps.maxOverlapMs, committedTwice: overlaps.taskIds.filter(id => twice.has(id)).length },
      duplicateExecutionExamples: overlaps.examples,
      failures: failures.slice(0, 10),
      healToAllCompleteMs: finished === undefined || doneAt === undefined || times.healed < 0 ? null : Math.max(0, doneAt - times.healed),
      durationMs,
      timedOut: finished === undefined,
      startupMs: Math.round(startupMs),
      ...load.stop()
    }
  } finally {
    load.stop()
    await bed.stop()
  }
}
