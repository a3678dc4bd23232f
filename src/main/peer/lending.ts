// The provider's owner comes first: applies the sharing policy (on / paused / idle-only / snooze)
// and the lendable capacity to the scheduler and the executor, several times a second.
import { isTerminal, type LendingView, type NotPlacedCode, type PlacementAnswer, type SharingSettings, type SharingUpdate, type TaskSpec, type TaskState } from '../../shared/index.js'
import type { Executor } from '../executor/index.js'
import {
  fitProblem, handBackDue, lendable, loadBackoffMs, ownerCpuPct, SharingPolicy, taskPolicyProblem, type PolicyDecision, type Sampler, type SettingsStore
} from '../resources/index.js'
import type { Held, Need, Placement, PlacementProblem, Scheduler } from '../scheduler/index.js'

/** Seconds since the user last touched the machine, or null when unknown (headless). */
export type IdleSource = () => number | null

export interface LendingComponents {
  settings: SettingsStore
  sampler: Sampler
  executor: Executor | undefined
  /** Whether the executor answers now (Docker may be missing or come and go). */
  executorReady: () => boolean
  /** Members reached / known (lease/membership.ts); without a majority nothing is claimed. Default: always a majority. */
  members?: () => { reachable: number, known: number, majority: boolean }
  idleSource?: IdleSource
  /** Called when what this peer lends changed (mode, claiming, reason): node meta and UI follow. */
  onChange: (view: LendingView) => void
}

/** How often the policy is applied: "paused within 1 s of user active" needs well under a second. */
const TICK_MS = 250
/** Upper bound of the load back-off before a claim (a fully loaded peer waits this long). */
const MAX_BACKOFF_MS = 400

export class Lending implements Placement {
  private readonly policy = new SharingPolicy()
  private decision: PolicyDecision
  private scheduler: Scheduler | undefined
  /** Task → monotonic time its container was suspended. */
  private readonly suspended = new Map<string, number>()
  private readonly handingBack = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private lastKey = ''
  /** The evaluation in flight; a change of settings waits for it and then evaluates again. */
  private applying: Promise<void> | undefined

  constructor (private readonly c: LendingComponents) {
    this.decision = this.evaluate()
  }

  /** The scheduler is built after this (it takes this as its Placement). */
  attach (scheduler: Scheduler): void { this.scheduler = scheduler }

  start (): void {
    this.c.executor?.setAllowNetwork?.(this.c.settings.get().allowNetwork)
    // A timer tick while one is in flight is skipped; the next one comes 250 ms later anyway.
    this.timer ??= setInterval(() => { if (this.applying === undefined) void this.tick() }, TICK_MS)
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  get settings (): SharingSettings { return this.c.settings.get() }

  claiming (): boolean {
    return this.c.executor !== undefined && this.c.executorReady() && this.decision.claim
  }

  problem (need: Need, held: Held): PlacementProblem | null {
    const settings = this.c.settings.get()
    // The owner's per-task policy first: no load change will ever make such a task fit here.
    return taskPolicyProblem(need, settings) ?? fitProblem(need, settings, lendable(settings, this.c.sampler.latest(), held))
  }

  backoffMs (held: Held): number {
    return loadBackoffMs(held, this.c.settings.get(), MAX_BACKOFF_MS)
  }

  view (): LendingView {
    const settings = this.c.settings.get()
    const sample = this.c.sampler.latest()
    const held = this.held()
    const free = lendable(settings, sample, held)
    const claiming = this.claiming()
    return {
      settings,
      effective: this.decision.effective,
      claiming,
      reason: this.notClaimingReason()?.message ?? 'lending',
      cores: sample.cores,
      ownerCpuPct: Math.round(ownerCpuPct(sample, held.cpu)),
      availableMemMb: Math.floor(sample.availableMemMb),
      // Every slot taken lends nothing more: others rank providers by these (peer-directory.ts),
      // and a full peer shown with room put itself ahead of the one with a free slot, which then
      // waited a rank step (bench throughput: ~200 ms of each slot's refill).
      lendableCpu: claiming && free.slots > 0 ? free.cpu : 0,
      lendableMemMb: claiming && free.slots > 0 ? free.memoryMb : 0,
      heldCpu: held.cpu,
      heldMemMb: held.memoryMb,
      runningTasks: this.scheduler?.runningCount ?? 0,
      suspendedTasks: this.suspended.size,
      userIdleSec: this.c.idleSource?.() ?? null
    }
  }

  async update (update: SharingUpdate): Promise<LendingView> {
    const settings = await this.c.settings.update(update)
    this.c.executor?.setAllowNetwork?.(settings.allowNetwork)
    await this.tick()
    return this.view()
  }

  /** The owner's "stop now": no new claims, and every running task handed back at once. */
  async stopNow (): Promise<string[]> {
    await this.c.settings.update({ mode: 'paused' })
    await this.tick()
    return await this.scheduler?.handBackAll('stopped by the owner') ?? []
  }

  /** Why this peer does (not) run a task: the answer this peer gives to `mcloud why`. */
  explain (taskId: string, spec: TaskSpec | undefined, state: TaskState | undefined, me: { peerId: string, name: string }): PlacementAnswer {
    const answer = (code: NotPlacedCode, message: string): PlacementAnswer => ({ ...me, code, message })
    if (this.scheduler?.isRunning(taskId) === true) {
      return this.suspended.has(taskId) ? answer('suspended', 'runs it, suspended while the owner uses this computer') : answer('running-it', 'runs it now')
    }
    if (state !== undefined && isTerminal(state.status)) return answer('finished', `it has finished (${state.status})`)
    const blocked = this.notClaimingReason()
    if (blocked !== undefined) return answer(blocked.code, blocked.message)
    if (spec === undefined) return answer('not-seen', 'has not seen this task')
    const problem = this.problem(spec, this.held())
    if (problem !== null) return answer(problem.code, problem.message)
    return answer('would-claim', 'has room for it and will claim it')
  }

  private notClaimingReason (): { code: NotPlacedCode, message: string } | undefined {
    if (this.c.executor === undefined) return { code: 'no-executor', message: 'does not lend: it runs no executor (submits only)' }
    if (!this.c.executorReady()) return { code: 'docker-unavailable', message: 'docker unavailable: the Docker engine does not answer here' }
    if (!this.decision.claim) return { code: this.decision.code ?? 'paused', message: this.decision.reason }
    const members = this.c.members?.()
    if (members !== undefined && !members.majority) {
      return { code: 'no-majority', message: `reaches only ${members.reachable} of the ${members.known} members it knows: the smaller side of a split network claims nothing until it heals` }
    }
    return undefined
  }

  private held (): Held {
    return this.scheduler?.held() ?? { cpu: 0, memoryMb: 0, tasks: 0 }
  }

  private evaluate (): PolicyDecision {
    const sample = this.c.sampler.latest()
    return this.policy.evaluate({
      settings: this.c.settings.get(),
      now: Date.now(),
      mono: performance.now(),
      ownerCpuPct: ownerCpuPct(sample, this.held().cpu),
      userIdleSec: this.c.idleSource?.() ?? null,
      running: this.scheduler?.runningCount ?? 0
    })
  }

  /**
   * Re-evaluates the policy and applies it: snooze expiry, suspend / resume, hand-back after T.
   * Evaluations never overlap: a call during one waits for it, then evaluates the newest settings.
   */
  async tick (): Promise<void> {
    while (this.applying !== undefined) await this.applying.catch(() => {})
    const run = this.applyOnce()
    this.applying = run
    try {
      await run
    } finally {
      if (this.applying === run) this.applying = undefined
    }
  }

  private async applyOnce (): Promise<void> {
    // An ended snooze is cleared from the settings before the decision shows: status never says
    // "on" while the settings still hold the snooze.
    let decision = this.evaluate()
    if (decision.snoozeExpired) {
      await this.c.settings.update({ snooze: null })
      decision = this.evaluate()
    }
    this.decision = decision
    await this.applySuspension()
    const view = this.view()
    const key = JSON.stringify([view.effective, view.claiming, view.reason, view.settings, view.suspendedTasks])
    if (key !== this.lastKey) {
      this.lastKey = key
      this.c.onChange(view)
    }
    // A peer that may claim again looks for work at once rather than at its next tick.
    if (view.claiming) this.scheduler?.tick()
  }

  private async applySuspension (): Promise<void> {
    const scheduler = this.scheduler
    const executor = this.c.executor
    if (scheduler === undefined || executor?.suspend === undefined || executor.resume === undefined) return
    const running = new Set(scheduler.heldLeases().map(l => l.taskId))
    for (const id of this.suspended.keys()) if (!running.has(id)) this.suspended.delete(id)
    if (this.decision.suspend) {
      const now = performance.now()
      for (const id of running) {
        if (!this.suspended.has(id)) {
          // Marked first: the owner's machine is freed even if the pause call is slow.
          this.suspended.set(id, now)
          if (!await executor.suspend(id).catch(() => false)) this.suspended.delete(id)
        }
      }
      const settings = this.c.settings.get()
      for (const [id, since] of this.suspended) {
        if (handBackDue(since, now, settings) && !this.handingBack.has(id)) {
          this.handingBack.add(id)
          void scheduler.handBack(id, `handed back: suspended ${settings.handBackMin} min while the owner used the computer`)
            .finally(() => { this.handingBack.delete(id); this.suspended.delete(id) })
        }
      }
    } else {
      for (const id of [...this.suspended.keys()]) {
        if (this.handingBack.has(id)) continue
        await executor.resume(id).catch(() => false)
        this.suspended.delete(id)
      }
    }
  }
}
