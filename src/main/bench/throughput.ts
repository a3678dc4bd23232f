// The throughput experiment: many real Docker tasks at once through the peers, against the ideal
// of a perfect scheduler, tasks × (a bare `docker run --rm` of the same command) ÷ total slots,
// with the bare run timed in the same run on the same machine. Peers are in this process, so one
// clock (performance.now()) orders every event; the executor is wrapped to time each container run.
import { isTerminal, type TaskStatus } from '../../shared/index.js'
import { DockerExecutor } from '../executor/docker/index.js'
import type { Executor } from '../executor/index.js'
import { ClaimObserver, type DuplicateCommit, type DuplicateRun } from './claim-observer.js'
import { bareDockerRun, everyoneSeesProviders, requireLocalImage } from './latency.js'
import { MachineLoad, type TestbedLoad } from './machine-load.js'
import { distribution, type Distribution } from './stats.js'
import { LeaseTimer, type ExecRecord, type RefillProfile } from './throughput-profile.js'
import { startTestbed, waitUntil } from './testbed.js'

export interface ThroughputOptions {
  providers: number
  slots: number
  tasks: number
  /** Shell command every task and every bare run executes (`sh -c`). */
  cmd: string
  image: string
  /** Bare `docker run --rm` runs timed (after one warm-up); their median is the ideal's unit. */
  baselineRuns: number
  ttlMs: number
  /** Longest wait for every task to finish; default 4× the ideal + 2 min. */
  timeoutMs?: number
}

/** Where the time went, to explain a ratio above the goal. */
export interface ThroughputProfile {
  /** First submit call → last submit call returned. */
  submitPhaseMs: number
  /** First submit → first container run started. */
  firstStartMs: number
  /** Lease claimed → executor.run called. */
  claimToExecMs: Distribution
  /** executor.run, container created → removed, under the run's concurrency (compare the bare median). */
  execMs: Distribution
  /** executor.run returned → the submitter sees the terminal state. */
  execEndToResultMs: Distribution
  /** Sum of every container run ÷ (total slots × actual): the share of slot time spent in executor.run. */
  slotUtilisation: number
  /** Median executor.run ÷ median bare run: how much slower a container is with every slot busy. */
  execSlowdown: number | null
  /** Last executor.run returned → last terminal state seen by the submitter. */
  tailMs: number | null
  /** A freed slot refilled, step by step. */
  refill: RefillProfile
}

export interface ThroughputSummary {
  experiment: 'throughput'
  executor: string
  image: string
  cmd: string
  providers: number
  slotsPerProvider: number
  totalSlots: number
  tasks: number
  /** Every task's capacity request, kept small so the providers' capacity check is not what limits them. */
  taskCpu: number
  leaseTtlMs: number
  realLoad: false
  bareRunMs: Distribution
  bareMedianMs: number
  /** tasks × bareMedianMs ÷ totalSlots. */
  idealMs: number
  /** First submit → last task terminal at the submitter. */
  actualMs: number
  throughputRatio: number
  goal: number
  goalMet: boolean
  succeeded: number
  statuses: Record<string, number>
  failures: string[]
  timedOut: boolean
  duplicateCommits: number
  duplicateExecutions: number
  duplicates: DuplicateCommit[]
  duplicateRuns: DuplicateRun[]
  submitToClaimMs: Distribution
  profile: ThroughputProfile
  load: TestbedLoad
  startupMs: number
}

export const THROUGHPUT_GOAL = 1.2
/** Small so that `slots` tasks fit each provider's capacity model (it sees `slots` cores). */
export const TASK_CPU = 0.1
const SUBMITTER = 0
/** Submits in flight at once: each is a DHT write; all 200 at once would only queue in libp2p. */
const SUBMIT_CONCURRENCY = 8
/** The submitter's events say when a task ends; a slow poll catches one it missed. */
const POLL_MS = 5000

/** Times every executor.run and reports its start and end to the observer's duplicate-run hook. */
function timedExecutor (inner: Executor, peer: number, records: ExecRecord[], hook: ReturnType<ClaimObserver['runHook']>): Executor {
  const run: Executor['run'] = async (task) => {
    const rec: ExecRecord = { peer, taskId: task.taskId, start: performance.now() }
    records.push(rec)
    hook({ taskId: task.taskId, epoch: task.epoch, phase: 'start', aborted: false })
    const onExited = task.onExited
    try {
      return await inner.run({ ...task, onExited: () => { rec.exited = performance.now(); onExited?.() } })
    } finally {
      rec.end = performance.now()
      hook({ taskId: task.taskId, epoch: task.epoch, phase: 'end', aborted: task.signal.aborted })
    }
  }
  return new Proxy(inner, { get: (target, prop, receiver) => prop === 'run' ? run : Reflect.get(target, prop, receiver) as unknown })
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]! }

export async function runThroughput (o: ThroughputOptions, log: (line: string) => void = () => {}): Promise<ThroughputSummary> {
  await requireLocalImage(o.image)
  const t0 = performance.now()
  const obs = new ClaimObserver()
  const owners: Array<string | undefined> = []
  const execs: ExecRecord[] = []
  const leaseTimer = new LeaseTimer()
  let executorName = ''
  const bed = await startTestbed({
    peers: o.providers + 1, ttlMs: o.ttlMs, slots: o.slots, realLoad: false,
    executorFor: i => {
      if (i === SUBMITTER) return undefined
      // Own label per provider: each executor's start removes leftovers of its owner only.
      const ex = new DockerExecutor({ owner: `bench-throughput-${process.pid}-${i}` })
      executorName = ex.name
      return timedExecutor(ex, i, execs, obs.runHook(() => owners[i]))
    }
  })
  try {
    bed.peers.forEach((p, i) => { owners[i] = p.peerId; obs.watch(p); leaseTimer.watch(p, i) })
    const submitter = bed.peers[SUBMITTER]!
    const claimedAt = new Map<string, number>()
    const terminalAt = new Map<string, number>()
    for (const p of bed.peers) {
      p.bus.on(e => {
        if (e.type === 'lease:claimed' && !claimedAt.has(e.taskId)) claimedAt.set(e.taskId, performance.now())
      })
    }
    submitter.bus.on(e => {
      if (e.type === 'task:state' && isTerminal(e.task.status) && !terminalAt.has(e.task.taskId)) terminalAt.set(e.task.taskId, performance.now())
    })
    const meshed = await waitUntil(async () => await everyoneSeesProviders(bed.peers, bed.peers.slice(1)), 30_000, 250)
    const startupMs = performance.now() - t0
    log(`  ${bed.peers.length} peers up in ${(startupMs / 1000).toFixed(1)} s${meshed === undefined ? ' (some still miss a provider\'s meta)' : ''}; timing ${o.baselineRuns} bare docker run(s) after one warm-up …`)

    // The ideal's unit, on the same machine, with the testbed idle: one warm-up, then the median.
    await bareDockerRun(o.image, o.cmd)
    const bare: number[] = []
    for (let i = 0; i < o.baselineRuns; i++) bare.push((await bareDockerRun(o.image, o.cmd)).doneMs)
    // Whole ms, so the summary's ideal is exactly tasks × bareMedianMs ÷ slots as printed.
    const bareMedianMs = Math.round(median(bare))
    const totalSlots = o.providers * o.slots
    const idealMs = o.tasks * bareMedianMs / totalSlots
    const timeoutMs = o.timeoutMs ?? Math.round(4 * idealMs + 120_000)
    log(`  bare docker run median ${Math.round(bareMedianMs)} ms → ideal ${(idealMs / 1000).toFixed(1)} s for ${o.tasks} tasks on ${totalSlots} slots; submitting …`)

    const load = new MachineLoad()
    const tasks: string[] = []
    const workStart = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
      while (next < o.tasks) {
        next++
        const at = performance.now()
        const { taskId } = await submitter.submitTask({ image: o.image, command: ['sh', '-c', o.cmd], cpu: TASK_CPU, memoryMb: 64, timeoutSec: 600 })
        obs.submitted(taskId, at)
        tasks.push(taskId)
      }
    }))
    const submitPhaseMs = performance.now() - workStart
    log(`  ${o.tasks} tasks submitted in ${(submitPhaseMs / 1000).toFixed(1)} s`)

    let lastPoll = performance.now()
    let lastLog = performance.now()
    const allDone = await waitUntil(async () => {
      const now = performance.now()
      if (now - lastPoll > POLL_MS) {
        lastPoll = now
        const missing = tasks.filter(id => !terminalAt.has(id))
        await Promise.all(missing.map(async id => {
          const s = await submitter.getTask(id).then(t => t.status, () => undefined)
          if (s !== undefined && isTerminal(s) && !terminalAt.has(id)) terminalAt.set(id, performance.now())
        }))
      }
      if (now - lastLog > 10_000) {
        lastLog = now
        log(`  t=${((now - workStart) / 1000).toFixed(0)} s: ${terminalAt.size}/${o.tasks} finished, ${claimedAt.size} claimed`)
      }
      return terminalAt.size >= o.tasks
    }, timeoutMs, 100)
    const endAt = allDone === undefined ? performance.now() : Math.max(...tasks.map(id => terminalAt.get(id)!))
    const actualMs = endAt - workStart
    log(`  ${allDone === undefined ? `DEADLINE: ${terminalAt.size}/${o.tasks} finished` : `all ${o.tasks} tasks finished`} after ${(actualMs / 1000).toFixed(1)} s`)
    const testbedLoad = load.stop()

    // Let late writers show themselves: a duplicate commit could land after the submitter saw a result.
    await waitUntil(() => bed.peers.every(p => p.scheduler.runningCount === 0), o.ttlMs + 2000)
    const statuses: Record<string, number> = {}
    const failures: string[] = []
    for (const id of tasks) {
      const t = await submitter.getTask(id).catch(() => undefined)
      const s: TaskStatus | 'unknown' = t?.status ?? 'unknown'
      statuses[s] = (statuses[s] ?? 0) + 1
      if (s !== 'succeeded' && failures.length < 5) failures.push(`${id.slice(0, 12)} ${s}: ${t?.error ?? `exit code ${String(t?.exitCode)}`}`)
    }

    const done = execs.filter((r): r is Required<ExecRecord> => r.end !== undefined && r.start >= workStart)
    const execMs = done.map(r => r.end - r.start)
    const firstExec = new Map<string, ExecRecord>()
    for (const r of execs) if (!firstExec.has(r.taskId)) firstExec.set(r.taskId, r)
    const lastExecEnd = done.length === 0 ? null : Math.max(...done.map(r => r.end))
    const profile: ThroughputProfile = {
      submitPhaseMs: Math.round(submitPhaseMs),
      firstStartMs: Math.round(Math.min(...execs.map(r => r.start)) - workStart),
      claimToExecMs: distribution(tasks.flatMap(id => {
        const c = claimedAt.get(id); const e = firstExec.get(id)
        return c === undefined || e === undefined ? [] : [e.start - c]
      })),
      execMs: distribution(execMs),
      execEndToResultMs: distribution(tasks.flatMap(id => {
        const e = firstExec.get(id)?.end; const t = terminalAt.get(id)
        return e === undefined || t === undefined ? [] : [t - e]
      })),
      slotUtilisation: Math.round(execMs.reduce((a, b) => a + b, 0) / (totalSlots * actualMs) * 100) / 100,
      execSlowdown: execMs.length === 0 ? null : Math.round(median(execMs) / bareMedianMs * 100) / 100,
      tailMs: lastExecEnd === null || allDone === undefined ? null : Math.round(endAt - lastExecEnd),
      refill: leaseTimer.refills(execs, Math.max(...claimedAt.values()))
    }
    const duplicates = obs.duplicateCommits()
    const duplicateRuns = obs.duplicateExecutions()
    const throughputRatio = Math.round(actualMs / idealMs * 100) / 100
    const succeeded = statuses.succeeded ?? 0
    return {
      experiment: 'throughput',
      executor: executorName,
      image: o.image,
      cmd: o.cmd,
      providers: o.providers,
      slotsPerProvider: o.slots,
      totalSlots,
      tasks: o.tasks,
      taskCpu: TASK_CPU,
      leaseTtlMs: o.ttlMs,
      realLoad: false,
      bareRunMs: distribution(bare),
      bareMedianMs: Math.round(bareMedianMs),
      idealMs: Math.round(idealMs),
      actualMs: Math.round(actualMs),
      throughputRatio,
      goal: THROUGHPUT_GOAL,
      goalMet: allDone !== undefined && succeeded === o.tasks && duplicates.length === 0 && throughputRatio <= THROUGHPUT_GOAL,
      succeeded,
      statuses,
      failures,
      timedOut: allDone === undefined,
      duplicateCommits: duplicates.length,
      duplicateExecutions: duplicateRuns.length,
      duplicates: duplicates.slice(0, 10),
      duplicateRuns: duplicateRuns.slice(0, 10),
      submitToClaimMs: distribution(obs.claimLatencies()),
      profile,
      load: testbedLoad,
      startupMs: Math.round(startupMs)
    }
  } finally {
    await bed.stop()
  }
}
