// The claim experiment: N real peers race for T simulated tasks while K lease holders are killed
// abruptly. Measures claim latency, MTTR (from the kill, and from the detected expiry), success and
// duplicate commits/executions. Peers are in-process, so one clock (performance.now()) serves all.
import { isTerminal, type TaskStatus } from '../../shared/index.js'
import { SimulatedSleepExecutor } from '../executor/index.js'
import type { Peer } from '../peer/index.js'
import { ClaimObserver, type DuplicateCommit, type DuplicateRun } from './claim-observer.js'
import type { OverlapReport } from './partition-runs.js'
import { distribution, type Distribution } from './stats.js'
import { startTestbed, waitUntil } from './testbed.js'

export interface ClaimOptions {
  peers: number
  tasks: number
  /** Tasks each provider runs at once. */
  slots: number
  ttlMs: number
  /** Simulated run time of each task. */
  taskMs: number
  /** Lease holders to kill while tasks run. */
  kills: number
  /** Give up waiting for tasks to finish after this long (they then count as not succeeded). */
  timeoutMs: number
  /** Peers that submit (round-robin); never killed, their view decides success. Default min(3, peers). */
  submitters?: number
  /** Pause between two kills. Default 1000 ms. */
  killGapMs?: number
  /** Replaces the default kills (`kills` busy holders, one every killGapMs): bench chaos kills a share of the providers at once. */
  killPlan?: (run: KillContext) => Promise<void>
}

/** What a kill plan works with; it runs from the first submit until it returns (awaited once every task is terminal). */
export interface KillContext {
  peers: Peer[]
  /** The submitters: never killed, their view decides success. */
  spared: Set<Peer>
  obs: ClaimObserver
  /** Abrupt death; call obs.markKilled(peer, at) just before. */
  kill: (peer: Peer) => Promise<void>
  /** True once every task is terminal or the deadline passed. */
  finished: () => boolean
  log: (line: string) => void
}

export interface ClaimSummary {
  experiment: 'claim'
  peers: number
  tasks: number
  slotsPerPeer: number
  executor: string
  submitters: number
  successRate: number
  /** Tasks whose submit call returned before the deadline (the rest count as not succeeded). */
  submitted: number
  statuses: Partial<Record<TaskStatus | 'unknown', number>>
  /** Failed tasks per error message. */
  failureReasons: Record<string, number>
  /** Up to 10 tasks not terminal at the end, as their submitter sees them (a stuck lease, for diagnosis). */
  unfinished: Array<{ taskId: string, status: TaskStatus, epoch: number, holder: string | null, attempts: number }>
  duplicateCommits: number
  duplicateExecutions: number
  /** Tasks with two runs executing at the same moment, and for how long (a killed peer's runs end at the kill). */
  overlappingRuns: Omit<OverlapReport, 'examples'>
  claimLatencyMs: Distribution
  submitMs: Distribution
  mttrEndToEndMs: Distribution
  mttrDetectedMs: Distribution
  leaseTtlMs: number
  taskMs: number
  kills: number
  killsRequested: number
  /** Leases the killed peers held, less those whose result they had committed; each must run again elsewhere (mttr n counts those that did). */
  leasesKilled: number
  /** Leases the killed peers held whose own result was committed just before the kill (nothing to recover). */
  leasesCommittedAtKill: number
  /** First submit → every task terminal in the submitters' view, or → the deadline when `timedOut`. */
  durationMs: number
  timedOut: boolean
  startupMs: number
  /** Peers whose routing table had fewer than 3 peers when the run started (start-up under load). */
  routingTableShort: number
  /** Whole-process CPU while the started testbed sat idle, % of one core. */
  idleCpuPct: number
  rssPerPeerMb: number
  /** Up to 10 examples of each kind of duplicate, for diagnosis. */
  duplicates: DuplicateCommit[]
  duplicateRuns: DuplicateRun[]
}

/** Tasks one submitter keeps in flight: submits are DHT writes, serialising them would dominate. */
const SUBMIT_CONCURRENCY = 4
const IDLE_SAMPLE_MS = 2000
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

export async function runClaim (o: ClaimOptions, log: (line: string) => void = () => {}): Promise<ClaimSummary> {
  const t0 = performance.now()
  const obs = new ClaimObserver()
  const owners: Array<string | undefined> = []
  let executorName = ''
  const bed = await startTestbed({
    peers: o.peers, ttlMs: o.ttlMs, slots: o.slots,
    executorFor: i => {
      const ex = new SimulatedSleepExecutor({ onRun: obs.runHook(() => owners[i]) })
      executorName = ex.name
      return ex
    }
  })
  try {
    bed.peers.forEach((p, i) => { owners[i] = p.peerId; obs.watch(p) })
    const startupMs = performance.now() - t0
    log(`  ${o.peers} peers up in ${(startupMs / 1000).toFixed(1)} s${bed.shortOfPeers > 0 ? ` (${bed.shortOfPeers} with fewer than 3 peers in their routing table)` : ''}; sampling idle CPU for ${IDLE_SAMPLE_MS / 1000} s`)
    const idleCpuPct = await idleCpu(IDLE_SAMPLE_MS)

    const submitters = bed.peers.slice(0, Math.min(o.submitters ?? 3, o.peers))
    const tasks: Array<{ taskId: string, submitter: Peer }> = []
    const submitMs: number[] = []
    let finished = false
    const workStart = performance.now()
    const ctx: KillContext = { peers: bed.peers, spared: new Set(submitters), obs, kill: bed.kill, finished: () => finished, log }
    const killing = o.killPlan === undefined ? killLoop(o, ctx) : o.killPlan(ctx)

    await Promise.all(submitters.map(async (submitter, s) => {
      let next = s
      await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
        // The deadline covers submission too: a saturated testbed must still end with a report.
        for (; next < o.tasks && performance.now() - workStart < o.timeoutMs; ) {
          next += submitters.length
          const start = performance.now()
          const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', `sleep ${o.taskMs / 1000}`], timeoutSec: 3600 })
          submitMs.push(performance.now() - start)
          obs.submitted(taskId, start)
          tasks.push({ taskId, submitter })
        }
      }))
    }))
    log(`  ${tasks.length} tasks submitted in ${((performance.now() - workStart) / 1000).toFixed(1)} s by ${submitters.length} peers`)

    const remaining = performance.now() - workStart
    const statusOf = async (): Promise<Array<TaskStatus | 'unknown'>> =>
      await Promise.all(tasks.map(async t => await t.submitter.getTask(t.taskId).then(v => v.status, () => 'unknown' as const)))
    const allDone = await waitUntil(async () => tasks.length === o.tasks && (await statusOf()).every(s => s !== 'unknown' && isTerminal(s)), Math.max(0, o.timeoutMs - remaining), 250)
    const durationMs = performance.now() - workStart
    finished = true
    await killing

    // Let late writers show themselves: a duplicate commit could land after the submitter saw a result.
    const live = bed.peers.filter(p => !obs.isKilled(p.peerId))
    await waitUntil(() => live.every(p => p.scheduler.runningCount === 0), o.ttlMs + 2000)

    const statuses: ClaimSummary['statuses'] = {}
    for (const s of await statusOf()) statuses[s] = (statuses[s] ?? 0) + 1
    // Why tasks failed (e.g. "lease lost" when heartbeats cannot keep up), counted per message.
    const failureReasons: Record<string, number> = {}
    const unfinished: ClaimSummary['unfinished'] = []
    for (const t of tasks) {
      const v = await t.submitter.getTask(t.taskId).catch(() => undefined)
      if (v?.status === 'failed') failureReasons[v.error ?? 'no error given'] = (failureReasons[v.error ?? 'no error given'] ?? 0) + 1
      if (v !== undefined && !isTerminal(v.status) && unfinished.length < 10) unfinished.push({ taskId: v.taskId, status: v.status, epoch: v.epoch, holder: v.holder, attempts: v.attempts })
    }
    // A victim whose own result was committed just before the kill lost nothing: no re-run is due.
    const lost = obs.outages.filter(x => !obs.committedBy(x.taskId, x.victim, x.epoch))
    const recovered = lost.filter(x => x.recoveredAt !== undefined)
    const duplicates = obs.duplicateCommits()
    const duplicateRuns = obs.duplicateExecutions()
    const overlaps = obs.runs.overlaps(performance.now())
    return {
      experiment: 'claim',
      peers: o.peers,
      tasks: o.tasks,
      slotsPerPeer: o.slots,
      executor: executorName,
      submitters: submitters.length,
      submitted: tasks.length,
      successRate: (statuses.succeeded ?? 0) / o.tasks,
      statuses,
      failureReasons,
      unfinished,
      duplicateCommits: duplicates.length,
      duplicateExecutions: duplicateRuns.length,
      overlappingRuns: { tasks: overlaps.tasks, totalOverlapMs: overlaps.totalOverlapMs, maxOverlapMs: overlaps.maxOverlapMs },
      claimLatencyMs: distribution(obs.claimLatencies()),
      submitMs: distribution(submitMs),
      mttrEndToEndMs: distribution(recovered.map(x => x.recoveredAt! - x.killedAt)),
      mttrDetectedMs: distribution(recovered.filter(x => x.detectedExpiryAt !== undefined).map(x => x.recoveredAt! - x.detectedExpiryAt!)),
      leaseTtlMs: o.ttlMs,
      taskMs: o.taskMs,
      kills: new Set(obs.outages.map(x => x.victim)).size,
      killsRequested: o.kills,
      leasesKilled: lost.length,
      leasesCommittedAtKill: obs.outages.length - lost.length,
      durationMs: Math.round(durationMs),
      timedOut: allDone === undefined,
      startupMs: Math.round(startupMs),
      routingTableShort: bed.shortOfPeers,
      idleCpuPct: Math.round(idleCpuPct * 10) / 10,
      rssPerPeerMb: Math.round(process.memoryUsage().rss / 2 ** 20 / o.peers * 10) / 10,
      duplicates: duplicates.slice(0, 10),
      duplicateRuns: duplicateRuns.slice(0, 10)
    }
  } finally {
    await bed.stop()
  }
}

/**
 * Kills up to `o.kills` peers, one every killGapMs, each one currently executing a task. Starts
 * once a tenth of the tasks were claimed, so kills land while work is running. Submitters are
 * spared: their view is the one success is read from.
 */
async function killLoop (o: ClaimOptions, { peers, spared, obs, kill, finished, log }: KillContext): Promise<void> {
  if (o.kills === 0) return
  const started = await waitUntil(() => finished() ? 'finished' : obs.claimedCount >= Math.max(1, o.tasks / 10) && 'go', o.timeoutMs, 50)
  if (started !== 'go') return
  for (let k = 0; k < o.kills; k++) {
    const victim = await waitUntil(() => {
      if (finished()) return 'finished'
      const busy = peers.filter(p => !spared.has(p) && !obs.isKilled(p.peerId) && obs.isExecuting(p.peerId))
      return busy[Math.floor(Math.random() * busy.length)] ?? false
    }, o.timeoutMs, 50)
    if (victim === undefined || victim === 'finished') {
      log(`  kill ${k + 1}/${o.kills}: no busy peer left to kill, stopping kills`)
      return
    }
    const leases = obs.markKilled(victim, performance.now())
    await kill(victim)
    log(`  kill ${k + 1}/${o.kills}: ${victim.peerId.slice(-8)} holding ${leases} lease(s)`)
    await sleep(o.killGapMs ?? 1000)
  }
}

async function idleCpu (ms: number): Promise<number> {
  const cpu0 = process.cpuUsage()
  const t = performance.now()
  await sleep(ms)
  const used = process.cpuUsage(cpu0)
  return (used.user + used.system) / 1000 / (performance.now() - t) * 100
}
