// Receiving side of the task posting limit (issue 7): new tasks arriving by gossip are taken into
// this peer's task book (and so its claim queue) at most TASK_ACCEPT_PER_MINUTE per submitter, so
// one peer posting 10,000 tasks in a burst cannot flood the others.
//
// "Not taken" means only: this peer ignores the notification. The record is valid; the DHT
// replicas still store it and the submitter still lists it in its task index, so no job is lost:
// a later read (peer arrival, a refresh, or the catch-up below, paced by the same bucket) brings it
// in. A dropped record is not remembered by the record store either, so that read counts as new.
// Gossip gets an Accept for it all the same: the record is genuine, and rejecting it would lower
// the score of every peer that merely forwarded it.
import type { OpenedRecord } from '../records/index.js'
import {
  TASK_ACCEPT_BURST, TASK_ACCEPT_MAX_DECISIONS, TASK_ACCEPT_MAX_SUBMITTERS, TASK_ACCEPT_PER_MINUTE, TASK_CATCH_UP_MS, TASK_DROP_LOG_MS
} from './constants.js'
import { TokenBuckets } from './token-bucket.js'

export interface TaskAdmissionComponents {
  /** Whether this peer already has the task in its book (its records then pass freely). */
  known: (taskId: string) => boolean
  /** Reads up to `max` open tasks of `submitter` this peer does not know from its task index. */
  catchUp: (submitter: string, max: number) => Promise<{ found: number, complete: boolean }>
  /** Where drops are reported. Default console.warn. */
  log?: (line: string) => void
}

export interface TaskAdmissionInit {
  /** New tasks taken per submitter in one burst. Default TASK_ACCEPT_BURST (1200). */
  burst?: number
  /** New tasks taken per submitter per minute. Default TASK_ACCEPT_PER_MINUTE (600). */
  perMinute?: number
  /** Catch-up round interval. Default TASK_CATCH_UP_MS (15 s). */
  catchUpMs?: number
  /** Clock in ms. Default performance.now. */
  now?: () => number
}

export class TaskAdmission {
  /** New-task records dropped so far, all submitters. */
  dropped = 0
  private readonly buckets: TokenBuckets
  /** taskId → taken? The first record of a task decides for its spec, state and cancel alike. */
  private readonly decisions = new Map<string, boolean>()
  /** Submitters with dropped tasks not yet caught up → when their drop was last logged. */
  private readonly owed = new Map<string, number>()
  private readonly now: () => number
  private readonly catchUpMs: number
  private timer: ReturnType<typeof setInterval> | undefined
  private catchingUp = false
  private readonly burst: number
  private readonly perMinute: number

  constructor (private readonly c: TaskAdmissionComponents, init: TaskAdmissionInit = {}) {
    this.now = init.now ?? (() => performance.now())
    this.catchUpMs = init.catchUpMs ?? TASK_CATCH_UP_MS
    this.burst = init.burst ?? TASK_ACCEPT_BURST
    this.perMinute = init.perMinute ?? TASK_ACCEPT_PER_MINUTE
    this.buckets = new TokenBuckets({ burst: this.burst, perMinute: this.perMinute, maxKeys: TASK_ACCEPT_MAX_SUBMITTERS, now: this.now })
  }

  /**
   * Whether to take a record that came by gossip. Only the first record of an unknown task costs a
   * token, charged to its signer: the submitter for a posted task, and for a state first seen at
   * epoch ≥ 1 the holder that signed it (the submitter field of such a record is not its author's).
   */
  admit (rec: OpenedRecord): boolean {
    if (!rec.parsed.kind.startsWith('task-')) return true
    const taskId = rec.parsed.id
    if (this.c.known(taskId)) return true
    const decided = this.decisions.get(taskId)
    if (decided !== undefined) return decided
    const taken = this.buckets.take(rec.signer)
    this.decisions.set(taskId, taken)
    if (this.decisions.size > TASK_ACCEPT_MAX_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!)
    if (!taken) this.drop(rec.signer)
    return taken
  }

  private drop (submitter: string): void {
    this.dropped++
    const loggedAt = this.owed.get(submitter)
    if (loggedAt !== undefined && this.now() - loggedAt < TASK_DROP_LOG_MS) return
    this.owed.delete(submitter) // re-inserted last: Map order is the eviction order
    this.owed.set(submitter, this.now())
    if (this.owed.size > TASK_ACCEPT_MAX_SUBMITTERS) this.owed.delete(this.owed.keys().next().value!)
    ;(this.c.log ?? console.warn)(`mcloud: not taking new tasks from ${submitter} for now: more than ${this.burst} at once or ` +
      `${this.perMinute} per minute (${this.dropped} dropped in all); they are read from its task index later`)
  }

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { void this.catchUpRound() }, this.catchUpMs)
    this.timer.unref?.()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * Looks up the dropped tasks of each throttled submitter in its task index, as many as its bucket
   * allows now; a submitter is settled once its index holds no task unknown here and lists all its
   * open ones (fewer than the index's cap).
   */
  async catchUpRound (): Promise<void> {
    if (this.catchingUp) return
    this.catchingUp = true
    try {
      for (const submitter of [...this.owed.keys()]) {
        const max = Math.floor(this.buckets.available(submitter))
        if (max < 1) continue
        const { found, complete } = await this.c.catchUp(submitter, max).catch(() => ({ found: 0, complete: false }))
        if (found > 0) this.buckets.take(submitter, Math.min(found, max))
        if (complete) this.owed.delete(submitter)
      }
    } finally {
      this.catchingUp = false
    }
  }

  /** Submitters whose dropped tasks are still to be read again. */
  owedCount (): number { return this.owed.size }
}
