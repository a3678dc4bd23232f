// The task state machine: which transitions a peer may write, and what is claimable.
import { TERMINAL_STATUSES, type TaskState, type TaskStatus } from './schemas.js'

export const isTerminal = (s: TaskStatus): boolean => TERMINAL_STATUSES.includes(s)

/** Statuses that mean a holder is responsible for the task right now. */
export const isHeld = (s: TaskStatus): boolean => s === 'leased' || s === 'running'

const NEXT: Record<TaskStatus, readonly TaskStatus[]> = {
  queued: ['leased', 'cancelled'],
  leased: ['running', 'queued', 'succeeded', 'failed', 'cancelled', 'leased'],
  running: ['running', 'queued', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: []
}

export const canTransition = (from: TaskStatus, to: TaskStatus): boolean => NEXT[from].includes(to)

/**
 * A task may be claimed when nobody holds it (queued at any epoch) or its holder's lease was
 * observed expired by this peer's own clock (see lease/expiry-watcher).
 */
export function isClaimable (state: TaskState, leaseExpired: boolean): boolean {
  if (state.status === 'queued') return true
  return isHeld(state.status) && leaseExpired
}
