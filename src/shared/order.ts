// The selector rules: a deterministic total order over the records of one key, so every replica
// and reader converges on the same winner whatever the arrival order. "Better" sorts first.
import type { TaskState, TaskStatus } from './schemas.js'
import type { RecordKind } from './keys.js'

/** A decoded record with the hash of its signature, the final tie-breaker. */
export interface Ranked<T> {
  value: T
  sigHash: string
}

const STATUS_RANK: Record<TaskStatus, number> = {
  queued: 0, leased: 1, running: 2, succeeded: 3, failed: 3, cancelled: 3
}
export const statusRank = (s: TaskStatus): number => STATUS_RANK[s]

const bySigHash = (a: Ranked<unknown>, b: Ranked<unknown>): number =>
  a.sigHash < b.sigHash ? -1 : a.sigHash > b.sigHash ? 1 : 0

/** Task state: epoch desc → status rank desc → seq desc → smallest hash(sig). */
export function compareTaskState (a: Ranked<TaskState>, b: Ranked<TaskState>): number {
  return (b.value.epoch - a.value.epoch) ||
    (statusRank(b.value.status) - statusRank(a.value.status)) ||
    (b.value.seq - a.value.seq) ||
    bySigHash(a, b)
}

/** Records versioned by their writer's seq (node meta, lease, task index): seq desc → smallest hash(sig). */
export function compareBySeq (a: Ranked<{ seq: number }>, b: Ranked<{ seq: number }>): number {
  return (b.value.seq - a.value.seq) || bySigHash(a, b)
}

/** Immutable records (spec, cancel): every valid copy means the same; pick one deterministically. */
export const compareImmutable = (a: Ranked<unknown>, b: Ranked<unknown>): number => bySigHash(a, b)

export function comparatorFor (kind: RecordKind): (a: Ranked<any>, b: Ranked<any>) => number {
  switch (kind) {
    case 'task-state': return compareTaskState
    case 'node-meta': case 'node-lease': case 'node-tasks': return compareBySeq
    case 'task-spec': case 'task-cancel': return compareImmutable
  }
}

/** Index of the best item under `cmp`, or -1 for an empty list. */
export function selectBest<T> (items: readonly T[], cmp: (a: T, b: T) => number): number {
  let best = -1
  for (let i = 0; i < items.length; i++) {
    if (best === -1 || cmp(items[i] as T, items[best] as T) < 0) best = i
  }
  return best
}
