// The owner's sharing policy as a state machine: given the settings, the clocks and what the owner
// does now, whether this peer claims new tasks and whether its running tasks must be suspended.
// Pure: the caller passes the clocks in and acts on the decision (pause/resume containers, save
// an expired snooze, hand tasks back).
import type { LendingView, NotPlacedCode, SharingSettings } from '../../shared/index.js'
import { ACTIVE_THRESHOLD_SEC } from './constants.js'
import { formatClock, formatDuration } from '../../shared/time-format.js'

export interface PolicyInput {
  settings: SharingSettings
  /** Wall-clock ms (snooze ends are wall times, so they survive restarts and sleep). */
  now: number
  /** Monotonic ms (durations: how long the owner's load has been low). */
  mono: number
  /** The owner's own CPU load, 0–100 (see ownerCpuPct). */
  ownerCpuPct: number
  /** Seconds since the user's last input; null when there is no idle source (headless). */
  userIdleSec: number | null
  /** Tasks running (or suspended) here. */
  running: number
}

export interface PolicyDecision {
  effective: LendingView['effective']
  /** Whether to claim new tasks now. */
  claim: boolean
  /** Why not claiming: 'paused' | 'snoozed' | 'waiting-for-idle' | 'owner-busy' | 'suspended'. */
  code: NotPlacedCode | null
  /** Plain words for the owner and for "why is my task not placed". */
  reason: string
  /** Running containers must be paused now; false again means resume them. */
  suspend: boolean
  /** settings.snooze has ended: the caller clears and saves it. */
  snoozeExpired: boolean
}

export interface SharingPolicyInit {
  /** idle-only: the user is active when their last input is younger than this. Default 5 s. */
  activeThresholdSec?: number
  /** Formats a wall time for reasons ("snoozed until 15:42"). Default: formatClock (local time). */
  formatTime?: (wallMs: number, nowMs: number) => string
}

const MINUTE_MS = 60_000

export class SharingPolicy {
  private readonly activeThresholdSec: number
  private readonly formatTime: (wallMs: number, nowMs: number) => string
  /** Monotonic ms when the owner's load was last at or above the threshold (headless idle). */
  private ownerLastBusyMono: number | undefined
  /** idle-only: tasks were suspended because the owner came back; held until they are idle again. */
  private suspended = false

  constructor (init: SharingPolicyInit = {}) {
    this.activeThresholdSec = init.activeThresholdSec ?? ACTIVE_THRESHOLD_SEC
    this.formatTime = init.formatTime ?? formatClock
  }

  evaluate (input: PolicyInput): PolicyDecision {
    const { settings, now } = input
    const ownerBusy = input.ownerCpuPct >= settings.maxOwnerCpuPct
    // Tracked in every mode, so switching to idle-only headless knows how long the owner was quiet;
    // with no history yet, the quiet time counts from the first evaluation, never from before it.
    if (this.ownerLastBusyMono === undefined || ownerBusy) this.ownerLastBusyMono = input.mono

    const snooze = settings.snooze
    const snoozeExpired = snooze !== null && snooze.until !== null && now >= snooze.until
    const snoozed = snooze !== null && !snoozeExpired

    // The suspend latch belongs to idle-only; leaving the mode lets suspended tasks resume.
    const idle = settings.mode === 'idle-only' ? this.idleOnly(input, ownerBusy) : undefined
    if (idle === undefined) this.suspended = false

    if (snoozed) {
      const until = snooze.until === null ? 'resumed' : this.formatTime(snooze.until, now)
      // A snooze stops new claims only; under idle-only a present owner still keeps tasks suspended.
      return { effective: 'snoozed', claim: false, code: 'snoozed', reason: `snoozed until ${until}`, suspend: idle?.suspend ?? false, snoozeExpired }
    }
    if (settings.mode === 'paused') {
      return { effective: 'paused', claim: false, code: 'paused', reason: 'paused by the owner', suspend: false, snoozeExpired }
    }
    if (settings.mode === 'on') {
      return { effective: 'on', claim: true, code: null, reason: 'lends what the owner leaves free', suspend: false, snoozeExpired }
    }
    return { effective: 'idle-only', ...idle!, snoozeExpired }
  }

  private idleOnly (input: PolicyInput, ownerBusy: boolean): Pick<PolicyDecision, 'claim' | 'code' | 'reason' | 'suspend'> {
    const { settings, userIdleSec } = input
    const headless = userIdleSec === null
    const idleForMs = headless ? Math.max(0, input.mono - this.ownerLastBusyMono!) : Math.max(0, userIdleSec * 1000)
    const active = ownerBusy || (!headless && userIdleSec < this.activeThresholdSec)

    if (input.running <= 0) this.suspended = false
    // the owner comes first: suspend at once, not after some grace period
    else if (active) this.suspended = true
    else if (this.suspended && idleForMs >= settings.idleResumeMin * MINUTE_MS) this.suspended = false

    const threshold = `${Math.round(settings.maxOwnerCpuPct)}%`
    const idleNow = headless ? `below for ${formatDuration(idleForMs)}` : `idle ${formatDuration(idleForMs)}`
    const idleAfter = (min: number): string => headless
      ? `${formatDuration(min * MINUTE_MS)} with the owner's CPU load below ${threshold}`
      : `${formatDuration(min * MINUTE_MS)} of idle`

    if (this.suspended) {
      const owner = ownerBusy ? `the owner's CPU load is ${Math.round(input.ownerCpuPct)}%` : idleNow
      return { claim: false, code: 'suspended', suspend: true, reason: `tasks are suspended while the owner is active; they resume after ${idleAfter(settings.idleResumeMin)} (${owner})` }
    }
    if (ownerBusy) {
      return { claim: false, code: 'owner-busy', suspend: false, reason: `the owner's CPU load is ${Math.round(input.ownerCpuPct)}% (lends below ${threshold})` }
    }
    if (active || idleForMs < settings.idleStartMin * MINUTE_MS) {
      return { claim: false, code: 'waiting-for-idle', suspend: false, reason: `lends after ${idleAfter(settings.idleStartMin)} (${idleNow})` }
    }
    const until = headless ? 'it rises' : 'they return'
    return { claim: true, code: null, suspend: false, reason: `the owner is away (${idleNow}); lends until ${until}` }
  }
}

/** Whether a task suspended since `suspendedSinceMono` has waited long enough to go to another peer. */
export function handBackDue (suspendedSinceMono: number, mono: number, settings: SharingSettings): boolean {
  return mono - suspendedSinceMono >= settings.handBackMin * MINUTE_MS
}
