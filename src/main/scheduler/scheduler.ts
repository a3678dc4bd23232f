// The provider loop: candidates → fit check → claim (in rendezvous order) → run → report.
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { sha256Hex, taskSpecKey, type TaskSpec, type TaskState } from '../../shared/index.js'
import type { Executor, ExecResult } from '../executor/index.js'
import type { Lease, LeaseEngine, Outcome } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import type { TaskBook } from './task-book.js'

export type SchedulerEvent =
  | { type: 'lease:claimed', taskId: string, epoch: number, previous: TaskState }
  | { type: 'lease:lost', taskId: string }
  | { type: 'lease:fenced', taskId: string, epoch: number, reason: string }
  | { type: 'lease:committed', taskId: string, epoch: number, status: string }
  | { type: 'lease:released', taskId: string, epoch: number, reason: string }
  | { type: 'task:running', taskId: string, epoch: number }
  | { type: 'executor:log', taskId: string, epoch: number, stream: 'stdout' | 'stderr' | 'system', line: string }

export interface SchedulerComponents {
  book: TaskBook
  leases: LeaseEngine
  records: RecordStore
  executor: Executor | undefined
  emit: (event: SchedulerEvent) => void
  /** Whether the owner lets this peer lend right now (sharing policy). */
  sharingAllowed: () => boolean
  peerId: string
  /** Providers believed to have a free slot now (from node meta gossip), this peer included. */
  availableProviders: () => string[]
}

export interface SchedulerInit {
  /** Tasks run at once. Default 1. */
  slots?: number
  /** How often candidates are re-examined (and expiries noticed). Default 100 ms. */
  tickMs?: number
  /** Upper bound of the random delay added before a claim. Default 50 ms. */
  claimJitterMs?: number
  /** Wait per rank in the rendezvous order before a peer tries a task. Default 200 ms. */
  rankStepMs?: number
}

export class Scheduler {
  private readonly running = new Map<string, Lease>()
  private readonly claiming = new Set<string>()
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly slots: number
  private readonly tickMs: number
  private readonly jitterMs: number
  private readonly rankStepMs: number
  private stopping = false

  constructor (private readonly c: SchedulerComponents, init: SchedulerInit = {}) {
    this.slots = init.slots ?? 1
    this.tickMs = init.tickMs ?? 100
    this.jitterMs = init.claimJitterMs ?? 50
    this.rankStepMs = init.rankStepMs ?? 200
  }

  start (): void {
    if (this.timer !== undefined) return
    this.stopping = false
    this.timer = setInterval(() => { this.tick() }, this.tickMs)
  }

  /** Stops claiming; running tasks are handed back (graceful) unless `abrupt`. */
  async stop (): Promise<void> {
    this.stopping = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await Promise.all([...this.running.values()].map(async lease => {
      await this.c.leases.release(lease, 'provider shutting down').catch(() => false)
    }))
  }

  get runningCount (): number { return this.running.size }
  heldLeases (): Lease[] { return [...this.running.values()] }

  /** A state change seen by gossip or a read: fences my lease at once when someone overtook it. */
  onState (state: TaskState): void {
    const lease = this.running.get(state.taskId)
    if (lease === undefined) return
    if (state.epoch > lease.epoch) lease.fence(`epoch ${state.epoch} appeared`)
  }

  onCancel (taskId: string): void {
    this.running.get(taskId)?.cancel()
  }

  /** Examines candidates now (also called on every new task notification). */
  tick (): void {
    if (this.stopping || this.c.executor === undefined || !this.c.sharingAllowed()) return
    const free = this.slots - this.running.size - this.claiming.size
    if (free <= 0) return
    const candidates = this.c.book.open().filter(t => !this.running.has(t.taskId) && !this.claiming.has(t.taskId) && this.claimable(t.taskId))
    // Rendezvous ranking: every peer orders the available providers by hash(task, peer) the
    // same way, so for each task one peer goes first and the others wait one step per rank;
    // the first claim's gossip reaches them before their turn, so nobody spends DHT round trips
    // on a lost race, and tasks spread evenly. Busy peers are not available, so work goes to
    // the least loaded. A small jitter covers views that differ.
    const providers = this.c.availableProviders()
    // An expired holder is presumed dead: it must not hold a place in the queue for its own task.
    // Orphans (expired leases) go before fresh tasks: their recovery time is what users wait on.
    const ranked = candidates
      .map(t => ({ t, orphan: t.state.status !== 'queued', rank: rankOf(t.taskId, this.c.peerId, providers.filter(p => p !== t.state.holder)) }))
      .sort((a, b) => Number(b.orphan) - Number(a.orphan) || a.rank - b.rank)
    for (const { t, rank, orphan } of ranked.slice(0, free)) {
      this.claiming.add(t.taskId)
      // Orphans are rare and their recovery time counts: a shorter step per rank for them.
      const delay = rank * (orphan ? this.rankStepMs / 4 : this.rankStepMs) + Math.random() * this.jitterMs
      setTimeout(() => { void this.attempt(t.taskId) }, delay)
    }
  }

  private claimable (taskId: string): boolean {
    const t = this.c.book.get(taskId)
    return t !== undefined && (t.state.status === 'queued' || this.c.leases.watcher.isExpired(t.state))
  }

  private async attempt (taskId: string): Promise<void> {
    try {
      if (this.stopping) return
      // Gossip may have brought another peer's claim during the jitter: then skip the DHT work.
      if (!this.claimable(taskId)) return
      const spec = await this.specOf(taskId)
      if (spec === undefined) return
      const out = await this.c.leases.claim(taskId)
      if (out.kind === 'lost') this.c.emit({ type: 'lease:lost', taskId })
      if (out.kind !== 'claimed') return
      const lease = out.lease
      this.c.emit({ type: 'lease:claimed', taskId, epoch: lease.epoch, previous: out.previous })
      this.running.set(taskId, lease)
      this.claiming.delete(taskId)
      try {
        await this.runLeased(lease, spec, out.previous)
      } finally {
        this.running.delete(taskId)
      }
    } catch (err) {
      this.c.emit({ type: 'executor:log', taskId, epoch: 0, stream: 'system', line: `scheduler error: ${String(err)}` })
    } finally {
      this.claiming.delete(taskId)
    }
  }

  private async runLeased (lease: Lease, spec: TaskSpec, previous: TaskState): Promise<void> {
    const { leases, emit } = this.c
    const book = this.c.book.get(lease.taskId)
    if (book?.cancelled === true) lease.cancel()
    if (lease.cancelRequested) return await this.finish(lease, { status: 'cancelled', exitCode: null, error: 'cancelled by submitter' })
    if (previous.attempts >= spec.maxAttempts) {
      return await this.finish(lease, { status: 'failed', exitCode: previous.exitCode, error: `gave up after ${previous.attempts} attempts: ${previous.error ?? 'lease lost'}` })
    }
    // First heartbeat marks the task running; then every ttl/3 until the work ends.
    await leases.heartbeat(lease, 'running')
    if (lease.fenced) return this.fenced(lease)
    emit({ type: 'task:running', taskId: lease.taskId, epoch: lease.epoch })
    // One heartbeat at a time: overlapping beats would race each other's seq.
    let beating = false
    const beat = setInterval(() => {
      if (beating) return
      beating = true
      void leases.heartbeat(lease, 'running').catch(() => false).finally(() => { beating = false })
    }, leases.heartbeatMs)
    let result: ExecResult
    try {
      result = await this.c.executor!.run({
        taskId: lease.taskId,
        epoch: lease.epoch,
        spec,
        signal: lease.signal,
        onLog: (stream, line) => { emit({ type: 'executor:log', taskId: lease.taskId, epoch: lease.epoch, stream, line }) }
      })
    } catch (err) {
      result = { exitCode: null, error: `executor error: ${String(err)}`, infrastructure: true, durationMs: 0 }
    } finally {
      clearInterval(beat)
    }
    if (lease.fenced && !lease.cancelRequested) return this.fenced(lease)
    if (lease.cancelRequested) return await this.finish(lease, { status: 'cancelled', exitCode: result.exitCode, error: 'cancelled by submitter' })
    if (result.infrastructure === true) {
      await leases.release(lease, result.error ?? 'executor failure')
      emit({ type: 'lease:released', taskId: lease.taskId, epoch: lease.epoch, reason: result.error ?? 'executor failure' })
      return
    }
    const ok = result.exitCode === 0 && result.error === null
    if (!ok && spec.retryOnFailure && lease.claimed.attempts < spec.maxAttempts) {
      await leases.release(lease, `exit ${String(result.exitCode)}: retrying`)
      emit({ type: 'lease:released', taskId: lease.taskId, epoch: lease.epoch, reason: 'retry on failure' })
      return
    }
    await this.finish(lease, { status: ok ? 'succeeded' : 'failed', exitCode: result.exitCode, error: result.error })
  }

  private async finish (lease: Lease, outcome: Outcome): Promise<void> {
    if (await this.c.leases.commit(lease, outcome)) {
      this.c.emit({ type: 'lease:committed', taskId: lease.taskId, epoch: lease.epoch, status: lease.cancelRequested ? 'cancelled' : outcome.status })
    } else if (lease.fenced) {
      this.fenced(lease)
    }
  }

  private fenced (lease: Lease): void {
    this.c.emit({ type: 'lease:fenced', taskId: lease.taskId, epoch: lease.epoch, reason: lease.fencedBy ?? 'unknown' })
  }

  private async specOf (taskId: string): Promise<TaskSpec | undefined> {
    const known = this.c.book.get(taskId)
    if (known?.spec !== undefined) return known.spec
    const { best } = await this.c.records.get<'task-spec'>(taskSpecKey(taskId))
    if (best === undefined) return undefined
    this.c.book.setSpec(taskId, best.value)
    return best.value
  }
}

/** This peer's position among `providers` for `taskId` (0 = first); unknown peers rank last. */
export function rankOf (taskId: string, me: string, providers: string[]): number {
  const score = (peer: string): string => sha256Hex(utf8ToBytes(`${taskId}:${peer}`))
  const mine = score(me)
  let rank = 0
  for (const p of providers) if (p !== me && score(p) < mine) rank++
  return rank
}
