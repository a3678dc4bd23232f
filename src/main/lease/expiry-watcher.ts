// Lease expiry judged on this peer's own monotonic clock: a lease is expired when its
// (epoch, seq) has not advanced for ttl since this watcher first saw it. No clock sync assumed.
import type { TaskState } from '../../shared/index.js'
import { isHeld } from '../../shared/index.js'

export type MonotonicClock = () => number
export const monotonicNow: MonotonicClock = () => performance.now()

interface Seen { epoch: number, seq: number, holder: string | null, firstSeenAt: number, ttlMs: number }

export class ExpiryWatcher {
  private readonly seen = new Map<string, Seen>()

  constructor (private readonly clock: MonotonicClock = monotonicNow) {}

  /** Records a state observation; only an advance of (epoch, seq) restarts the clock. */
  observe (state: TaskState): void {
    const cur = this.seen.get(state.taskId)
    if (cur !== undefined && (state.epoch < cur.epoch || (state.epoch === cur.epoch && state.seq <= cur.seq))) return
    if (!isHeld(state.status)) {
      this.seen.delete(state.taskId)
      return
    }
    this.seen.set(state.taskId, { epoch: state.epoch, seq: state.seq, holder: state.holder, firstSeenAt: this.clock(), ttlMs: state.ttlMs })
  }

  /** True when `state`'s lease has been seen standing still for its ttl. */
  isExpired (state: TaskState): boolean {
    if (!isHeld(state.status)) return false
    const cur = this.seen.get(state.taskId)
    if (cur === undefined || cur.epoch !== state.epoch || cur.seq !== state.seq) {
      this.observe(state)
      return false
    }
    return this.clock() - cur.firstSeenAt >= cur.ttlMs
  }

  /** Milliseconds until `taskId`'s lease would expire if it stays still (0 when already expired). */
  remainingMs (taskId: string): number | undefined {
    const cur = this.seen.get(taskId)
    if (cur === undefined) return undefined
    return Math.max(0, cur.ttlMs - (this.clock() - cur.firstSeenAt))
  }

  /** The moment (on this clock) the current seq of `taskId` was first seen, for MTTR metrics. */
  firstSeenAt (taskId: string): number | undefined {
    return this.seen.get(taskId)?.firstSeenAt
  }

  forget (taskId: string): void {
    this.seen.delete(taskId)
  }
}
