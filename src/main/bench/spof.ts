// The no-SPOF experiment: providers run real Docker tasks while the control peer (the real
// `mcloud control`, a separate process) is SIGKILLed mid-run and restarted on the same data dir.
// Shows that tasks keep succeeding while it is down (it is never on the critical path), and
// measures how long the restarted control peer's database takes to agree with the DHT again.
// The testbed peers are in this process: one clock (performance.now()) serves them all.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DockerExecutor } from '../executor/docker/index.js'
import { ClaimObserver, type DuplicateCommit } from './claim-observer.js'
import { everyoneSeesProviders, requireLocalImage } from './latency.js'
import { describeDisagreements, disagreements, type Disagreement } from './spof-agreement.js'
import { ControlProcess } from './spof-control.js'
import { DhtView } from './spof-observer.js'
import { startTestbed, waitUntil } from './testbed.js'
import { MachineLoad } from './machine-load.js'

export interface SpofOptions {
  providers: number
  tasks: number
  /** Tasks each provider runs at once. */
  slots: number
  /** Each task runs `sleep N`, N drawn uniformly from whole seconds in [minSec, maxSec]. */
  minSec: number
  maxSec: number
  /** Seconds after the first submit when the control peer is SIGKILLed. */
  killAtSec: number
  /** Seconds it stays down before it is started again. */
  downSec: number
  ttlMs: number
  /** postgres://… for the control peer; default its embedded PGlite. */
  dbUrl?: string
  image: string
  /** Longest wait for the tasks, then for agreement. Default: 4× the expected run + down + 2 min. */
  timeoutMs?: number
}

/** One point of the timeline, sampled every second from the first submit. */
export interface SpofSample {
  t: number
  /** Tasks the observer peer reads as succeeded from the DHT. */
  dhtSucceeded: number
  /** summary.byStatus.succeeded of the control peer's database; null while it does not answer. */
  dbSucceeded: number | null
  /** After the restart: rows equal to the DHT-selected state at the latest agreement check. */
  dbAgreeing: number | null
  control: 'up' | 'down' | 'starting'
}

export interface SpofSummary {
  experiment: 'spof'
  executor: 'docker'
  image: string
  providers: number
  slotsPerProvider: number
  tasks: number
  taskSec: { min: number, max: number }
  leaseTtlMs: number
  killAtSec: number
  downSec: number
  database: string
  /** Seconds since the first submit: SIGKILL sent and the process gone, restart spawned, its API answering again. */
  killedAtSec: number | null
  restartedAtSec: number | null
  apiBackAtSec: number | null
  /** First start of the control process → its control API answering. */
  controlStartMs: number
  /** Restart spawned → its control API answering (PGlite reopens the killed database meanwhile). */
  restartToApiMs: number | null
  /** API answering after the restart → first moment every task's row equals the DHT-selected state. */
  agreementMs: number | null
  agreementAtSec: number | null
  /** When the control peer finished a reconcile (re-read of its open tasks), from its summary's lastReconcileAt. */
  reconcilesAtSec: number[]
  /** Tasks still open in the DHT at that moment (their rows had to follow live heartbeats). */
  openTasksAtAgreement: number | null
  /** After every task finished: rows equal to the DHT-selected state. */
  finalAgreement: { agreeing: number, tasks: number }
  /** Up to 5 rows that still differed at the end. */
  disagreements: Disagreement[]
  succeededAtKill: number | null
  succeededAtRestart: number | null
  /** Tasks whose success the observer bracketed between the SIGKILL and the restart. */
  succeededWhileDown: number
  successRate: number
  statuses: Record<string, number>
  /** Up to 5 tasks that did not succeed, with the reason the observer sees. */
  failures: string[]
  duplicateCommits: number
  duplicates: DuplicateCommit[]
  /** This process's event-loop delay over the run: high values mean the machine was saturated and every time here is stretched. */
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** Highest 1-minute load average seen during the run (the machine has `machine.cpus` cores). */
  maxLoadAvg: number
  /** First submit → every task terminal in the observer's view (or the deadline). */
  durationMs: number
  timedOut: boolean
  startupMs: number
  /** Why the restarted control peer never answered, if it did not (its own output included). */
  restartError: string | null
  /** Tasks succeeded while it was down, all succeeded, no duplicate commit, agreement reached. */
  goalMet: boolean
  timeline: SpofSample[]
}

const OBSERVER = 0
const SUBMIT_CONCURRENCY = 4
const CONTROL_START_TIMEOUT_MS = 120_000
const AGREEMENT_POLL_MS = 500
const PROGRESS_EVERY_MS = 10_000
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
const sleepUntil = async (at: number): Promise<void> => { await sleep(Math.max(0, at - performance.now())) }

/** Seconds the tasks should take with every slot busy: the default kill moment is a third of it. */
export function expectedRunSec (o: Pick<SpofOptions, 'providers' | 'tasks' | 'slots' | 'minSec' | 'maxSec'>): number {
  return o.tasks * (o.minSec + o.maxSec) / 2 / (o.providers * o.slots)
}

export async function runSpof (o: SpofOptions, log: (line: string) => void = () => {}): Promise<SpofSummary> {
  await requireLocalImage(o.image)
  const t0 = performance.now()
  const timeoutMs = o.timeoutMs ?? Math.round(4 * expectedRunSec(o) * 1000 + o.downSec * 1000 + 120_000)
  // Own label per provider: each executor removes leftovers of its owner only.
  const bed = await startTestbed({
    peers: o.providers + 1, ttlMs: o.ttlMs, slots: o.slots, realLoad: false,
    executorFor: i => i === OBSERVER ? undefined : new DockerExecutor({ owner: `bench-spof-${process.pid}-${i}` })
  })
  const controlDir = await mkdtemp(join(tmpdir(), 'mcloud-spof-control-'))
  const observer = bed.peers[OBSERVER]!
  const phase = { control: 'up' as SpofSample['control'], done: false }
  const control = new ControlProcess({
    dataDir: controlDir, orgKeyFile: bed.orgKeyFile, bootstrap: observer.node.getMultiaddrs()[0]!.toString(), ttlMs: o.ttlMs, dbUrl: o.dbUrl,
    onOutput: process.env.MCLOUD_BENCH_DEBUG === undefined ? undefined : text => { process.stderr.write(text.replace(/^(?=.)/gm, 'control| ')) }
  })
  const machine = new MachineLoad()
  try {
    const obs = new ClaimObserver()
    bed.peers.forEach(p => { obs.watch(p) })
    const meshed = await waitUntil(async () => await everyoneSeesProviders(bed.peers, bed.peers.slice(1)), 30_000, 250)
    log(`  ${bed.peers.length} peers up in ${((performance.now() - t0) / 1000).toFixed(1)} s${meshed === undefined ? ' (some still miss a provider\'s meta)' : ''}; starting the control peer (mcloud control) …`)
    const spawnedAt = performance.now()
    control.start()
    const up = await control.waitForApi(CONTROL_START_TIMEOUT_MS)
    if (!up.ok) throw new Error(`the control peer did not start: ${up.reason}`)
    const controlStartMs = performance.now() - spawnedAt
    const first = await waitUntil(async () => { const s = await control.summary(); return s !== undefined && s.nodes >= bed.peers.length && s }, 30_000, 500)
    const database = (first ?? await control.summary())?.database.kind ?? 'unknown'
    log(`  control peer pid ${String(control.pid)} answering after ${(controlStartMs / 1000).toFixed(1)} s (database ${database}${first === undefined ? '; it has not seen every node yet' : ', every node seen'})`)
    const startupMs = performance.now() - t0

    const view = new DhtView(observer)
    const timeline: SpofSample[] = []
    const reconciles = new Set<number>()
    const workStart = performance.now()
    const sec = (at: number | null): number | null => at === null ? null : Math.round((at - workStart) / 100) / 10
    const sample = async (): Promise<void> => {
      const [, db] = await Promise.all([view.refresh(), control.summary()])
      // The control peer's wall clock is this machine's: map it onto this run's seconds.
      const reconciled = db?.database.lastReconcileAt
      if (reconciled !== null && reconciled !== undefined) reconciles.add(sec(reconciled - Date.now() + performance.now())!)
      timeline.push({ t: sec(performance.now())!, dhtSucceeded: view.succeeded, dbSucceeded: db === undefined ? null : db.byStatus.succeeded ?? 0, dbAgreeing: f.agreeing, control: phase.control })
    }
    const sampling = (async () => {
      while (!phase.done) {
        await sample()
        // The next whole second: a slow sample skips ticks rather than firing the missed ones at once.
        await sleepUntil(workStart + (Math.floor((performance.now() - workStart) / 1000) + 1) * 1000)
      }
    })()

    const submitting = (async () => {
      let next = 0
      await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
        while (next < o.tasks) {
          next++
          const sleepSec = o.minSec + Math.floor(Math.random() * (o.maxSec - o.minSec + 1))
          const at = performance.now()
          const { taskId } = await observer.submitTask({ image: o.image, command: ['sleep', String(sleepSec)], cpu: 0.1, memoryMb: 64, timeoutSec: o.maxSec + 600 })
          view.add(taskId, at)
        }
      }))
      log(`  ${o.tasks} tasks submitted in ${((performance.now() - workStart) / 1000).toFixed(1)} s`)
    })()

    // Is every row of the database the DHT-selected state? The DHT is read first, then the rows: a
    // row ahead of that read (a heartbeat mirrored in between) is compared with a second read.
    const f = { killedAt: null as number | null, restartedAt: null as number | null, apiBackAt: null as number | null, agreedAt: null as number | null, openAtAgreement: null as number | null, restartError: null as string | null, atKill: null as number | null, atRestart: null as number | null, agreeing: null as number | null }
    const check = async (fresh = false): Promise<Disagreement[]> => {
      const states = fresh ? await view.freshStates() : await view.states()
      const rows = await control.jobs()
      const differ = rows === undefined ? [{ taskId: '*', field: 'control API', db: 'no answer', dht: '–' }] : disagreements(rows, states)
      const out = rows === undefined || differ.length === 0 ? differ : disagreements(rows, await view.freshStates(differ.map(d => d.taskId)))
      f.agreeing = rows === undefined ? 0 : o.tasks - out.length
      return out
    }
    const fault = (async () => {
      await sleepUntil(workStart + o.killAtSec * 1000)
      if (phase.done) return
      await control.kill()
      f.killedAt = performance.now()
      // A read right after the kill: a task it finds unfinished surely finishes while the peer is down.
      await view.refresh()
      f.atKill = view.succeeded
      phase.control = 'down'
      log(`  t=${sec(f.killedAt)} s: control peer SIGKILLed (${view.succeeded} tasks succeeded so far); down for ${o.downSec} s`)
      await sleepUntil(f.killedAt + o.downSec * 1000)
      if (phase.done) return
      f.atRestart = view.succeeded
      control.start()
      f.restartedAt = performance.now()
      phase.control = 'starting'
      log(`  t=${sec(f.restartedAt)} s: control peer restarted on the same data dir (${view.succeeded} tasks succeeded, ${view.succeeded - f.atKill} while it was down)`)
      const back = await control.waitForApi(CONTROL_START_TIMEOUT_MS)
      if (!back.ok) {
        f.restartError = back.reason
        phase.control = 'down'
        log(`  ! the restarted control peer never answered: ${back.reason}`)
        return
      }
      f.apiBackAt = performance.now()
      phase.control = 'up'
      log(`  t=${sec(f.apiBackAt)} s: its control API answers (${((f.apiBackAt - f.restartedAt) / 1000).toFixed(1)} s after the restart); checking agreement every ${AGREEMENT_POLL_MS} ms`)
      let told = performance.now()
      await waitUntil(async () => {
        if (phase.done) return true
        await submitting.catch(() => {})
        const open = view.open
        const differ = await check()
        if (differ.length > 0) {
          if (performance.now() - told > PROGRESS_EVERY_MS) {
            told = performance.now()
            log(`  t=${sec(told)} s: ${f.agreeing}/${o.tasks} rows agree with the DHT (${describeDisagreements(differ)})`)
          }
          return false
        }
        f.agreedAt = performance.now()
        f.openAtAgreement = open
        return true
      }, timeoutMs, AGREEMENT_POLL_MS)
      if (f.agreedAt !== null) log(`  t=${sec(f.agreedAt)} s: database agrees with the DHT for all ${o.tasks} tasks (${f.openAtAgreement} still open), ${((f.agreedAt - f.apiBackAt) / 1000).toFixed(1)} s after the API answered`)
    })()

    // Handled here so a run that fails half-way leaves no unhandled rejection behind.
    fault.catch(() => {})
    sampling.catch(() => {})
    await submitting
    const allDone = await waitUntil(() => view.terminalCount === o.tasks, timeoutMs, 250)
    const durationMs = performance.now() - workStart
    log(`  t=${sec(performance.now())} s: ${allDone === undefined ? 'DEADLINE: not every task finished' : `all ${o.tasks} tasks finished`}`)
    await fault
    // Let late writers show themselves: a duplicate commit could land after the observer saw a result.
    await waitUntil(() => bed.peers.every(p => p.scheduler.runningCount === 0), o.ttlMs + 2000)
    // The end state: every task finished, the database must hold exactly what the DHT selected.
    let final: Disagreement[] = await check(true)
    if (f.apiBackAt !== null) await waitUntil(async () => (final = await check(true)).length === 0, 60_000, AGREEMENT_POLL_MS)
    const failures = await Promise.all(view.unsuccessful.slice(0, 5).map(async id => {
      const t = await observer.getTask(id).catch(() => undefined)
      return `${id.slice(0, 12)} ${t?.status ?? '?'} on ${t?.holder?.slice(-8) ?? '?'}: ${t?.error ?? `exit code ${String(t?.exitCode)}`}`
    }))
    phase.done = true
    await sampling
    await sample()

    const statuses = view.statuses()
    const duplicates = obs.duplicateCommits()
    const succeededWhileDown = f.killedAt === null || f.restartedAt === null ? 0 : view.succeededWithin(f.killedAt, f.restartedAt)
    const successRate = (statuses.succeeded ?? 0) / o.tasks
    const agreementMs = f.agreedAt === null || f.apiBackAt === null ? null : Math.round(f.agreedAt - f.apiBackAt)
    const agreeing = o.tasks - new Set(final.map(d => d.taskId === '*' ? view.taskIds : [d.taskId]).flat()).size
    const load = machine.stop()
    return {
      experiment: 'spof',
      executor: 'docker',
      image: o.image,
      providers: o.providers,
      slotsPerProvider: o.slots,
      tasks: o.tasks,
      taskSec: { min: o.minSec, max: o.maxSec },
      leaseTtlMs: o.ttlMs,
      killAtSec: o.killAtSec,
      downSec: o.downSec,
      database,
      killedAtSec: sec(f.killedAt),
      restartedAtSec: sec(f.restartedAt),
      apiBackAtSec: sec(f.apiBackAt),
      controlStartMs: Math.round(controlStartMs),
      restartToApiMs: f.apiBackAt === null || f.restartedAt === null ? null : Math.round(f.apiBackAt - f.restartedAt),
      agreementMs,
      agreementAtSec: sec(f.agreedAt),
      reconcilesAtSec: [...reconciles],
      openTasksAtAgreement: f.openAtAgreement,
      finalAgreement: { agreeing, tasks: o.tasks },
      disagreements: final.slice(0, 5),
      succeededAtKill: f.atKill,
      succeededAtRestart: f.atRestart,
      succeededWhileDown,
      successRate,
      statuses,
      failures,
      duplicateCommits: duplicates.length,
      duplicates: duplicates.slice(0, 10),
      durationMs: Math.round(durationMs),
      timedOut: allDone === undefined,
      startupMs: Math.round(startupMs),
      restartError: f.restartError,
      eventLoopDelayMs: load.eventLoopDelayMs,
      maxLoadAvg: load.maxLoadAvg,
      goalMet: succeededWhileDown > 0 && successRate === 1 && duplicates.length === 0 && agreementMs !== null && agreeing === o.tasks,
      timeline
    }
  } finally {
    // A run that failed half-way: the sampler and the fault injector must not outlive it.
    phase.done = true
    machine.stop()
    await control.stop().catch(() => {})
    await bed.stop()
    await rm(controlDir, { recursive: true, force: true })
  }
}
