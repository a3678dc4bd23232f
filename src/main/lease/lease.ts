// One held lease: the fencing token (epoch) plus what the holder knows about its own liveness.
import type { TaskState } from '../../shared/index.js'

export class Lease {
  readonly taskId: string
  readonly epoch: number
  seq: number
  /** Monotonic time the last quorum-acknowledged write of this lease started. */
  lastAckedAt: number
  /** Monotonic time a write of this lease last went out at all (gossip included); none go out without a majority. */
  lastSentAt: number
  /** Why the lease was taken away (higher epoch, same-epoch conflict), or undefined. */
  fencedBy: string | undefined
  /** The submitter asked to cancel: stop the work and commit `cancelled`. */
  cancelRequested = false
  /** This peer stopped the work to hand the task back (owner's request, idle policy). */
  interruptedBy: string | undefined
  /** Heartbeats sent so far. */
  beats = 0
  private readonly controller = new AbortController()

  constructor (readonly claimed: TaskState, now: number) {
    this.taskId = claimed.taskId
    this.epoch = claimed.epoch
    this.seq = claimed.seq
    this.lastAckedAt = now
    this.lastSentAt = now
  }

  /** Aborted when the work must stop (fenced or cancelled); executors pass it to the container. */
  get signal (): AbortSignal { return this.controller.signal }
  get fenced (): boolean { return this.fencedBy !== undefined }

  fence (reason: string): void {
    if (this.fencedBy !== undefined) return
    this.fencedBy = reason
    this.controller.abort(new Error(`fenced: ${reason}`))
  }

  cancel (): void {
    this.cancelRequested = true
    this.controller.abort(new Error('cancelled by submitter'))
  }

  /** Stops the work without giving up the lease yet: the holder releases it once the run ended. */
  interrupt (reason: string): void {
    if (this.interruptedBy !== undefined || this.signal.aborted) return
    this.interruptedBy = reason
    this.controller.abort(new Error(reason))
  }

  /** The state this holder would write next at its epoch. */
  next (patch: Partial<TaskState>, seq: number): TaskState {
    return { ...this.claimed, ...patch, epoch: this.epoch, seq, updatedAt: Date.now() }
  }
}
