// The provider loop: candidates → fit check → claim (in rendezvous order) → run → report.
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { sha256Hex, taskSpecKey, type NotPlacedCode, type TaskSpec, type TaskState } from '../../shared/index.js'
import type { Executor, ExecResult, TaskRun } from '../executor/index.js'
import type { Lease, LeaseEngine, Outcome } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import type { TaskBook } from './task-book.js'
import { claimDelayMs } from './claim-delay.js'

export type SchedulerEvent =
  | { type: 'lease:claimed', taskId: string, epoch: number, previous: TaskState }
  | { type: 'lease:lost', taskId: string }
  | { type: 'lease:fenced', taskId: string, epoch: number, reason: string }
  | { type: 'lease:committed', taskId: string, epoch: number, status: string }
  /** A claim found the previous holder's result and wrote it again at its epoch (no second run). */
  | { type: 'lease:adopted', taskId: string, epoch: number, status: string, fromEpoch: number }
  | { type: 'lease:released', taskId: string, epoch: number, reason: string }
  | { type: 'task:running', taskId: string, epoch: number }
  /** Its container has exited: the CPU is free, clean-up (outputs, removal) and the result follow. */
  | { type: 'task:exited', taskId: string, epoch: number }
  | { type: 'executor:log', taskId: string, epoch: number, stream: 'stdout' | 'stderr' | 'system', line: string }

/** A run here ended: committed, fenced, or its lease handed back. */
export const isRunEnd = <E extends { type: string }>(e: E): e is Extract<E, { type: 'lease:committed' | 'lease:fenced' | 'lease:released' }> =>
  e.type === 'lease:committed' || e.type === 'lease:fenced' || e.type === 'lease:released'

/** What this peer's running and claiming tasks hold. */
export interface Held { cpu: number, memoryMb: number, tasks: number }
/** What a task asks of its provider; image and run time are absent only in the "any free slot?" probe. */
export type Need = Pick<TaskSpec, 'cpu' | 'memoryMb' | 'network'> & Partial<Pick<TaskSpec, 'image' | 'timeoutSec' | 'inputs'>>
export interface PlacementProblem { code: NotPlacedCode, message: string }

/** The provider's side of placement: the owner's sharing policy and the lendable capacity. */
export interface Placement {
  /** Whether this peer looks for work at all now (sharing policy, executor up). */
  claiming: () => boolean
  /** null when a task of this spec fits next to what is already held; otherwise why not. */
  problem: (need: Need, held: Held) => PlacementProblem | null
  /** Extra wait before a claim, growing with what this peer already runs, so work spreads. */
  backoffMs: (held: Held) => number
}

/**
 * A run's data, given by the peer's content store: the task's inputs fetched into the folder the
 * executor mounts at /input, and what it left in /output stored for its submitter.
 */
export interface TaskDataHooks {
  /** Fills `dir` with the spec's inputs, each at `<dir>/<name>`; rejects when they cannot be fetched (the task is handed back). */
  prepareInput: (spec: TaskSpec, taskId: string, dir: string, signal: AbortSignal) => Promise<void>
  /** Stores the folder holding the task's /output and gives its CID (null: nothing to keep); a rejection fails the task. */
  storeOutput: (taskId: string, dir: string) => Promise<string | null>
  /** The owner's cap on one task's output, bytes; undefined: the /output volume's own 256 MiB. */
  maxOutputBytes: () => number | undefined
}

export interface SchedulerComponents {
  book: TaskBook
  leases: LeaseEngine
  records: RecordStore
  executor: Executor | undefined
  emit: (event: SchedulerEvent) => void
  placement: Placement
  peerId: string
  /** Providers believed to have room for this task now (from node meta gossip), this peer included. */
  availableProviders: (need: Need | undefined) => string[]
  /** Inputs and outputs of the tasks run here; absent: tasks run without either (tests, simulations). */
  taskData?: TaskDataHooks
}

export interface SchedulerInit {
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
  /** What each running or claiming task holds (placeholder zeros until its spec is known). */
  private readonly reserved = new Map<string, { cpu: number, memoryMb: number }>()
  /** Task → wall-clock ms its run here started (display only). */
  private readonly startedAt = new Map<string, number>()
  /** Runs in progress, so a hand-back can wait for the container to be gone. */
  private readonly runs = new Map<string, Promise<void>>()
  /** Tasks this peer handed back: not re-claimed by it for a while, so another peer takes them. */
  private readonly declined = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly tickMs: number
  private readonly jitterMs: number
  private readonly rankStepMs: number
  private stopping = false

  constructor (private readonly c: SchedulerComponents, init: SchedulerInit = {}) {
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
    await this.handBackAll('provider shutting down').catch(() => [])
  }

  get runningCount (): number { return this.running.size }
  heldLeases (): Lease[] { return [...this.running.values()] }
  isRunning (taskId: string): boolean { return this.running.has(taskId) }
  /** Wall-clock ms the task's run here started, if it runs here. */
  runningSince (taskId: string): number | null { return this.startedAt.get(taskId) ?? null }

  /** What running and claiming tasks hold now. */
  held (): Held {
    let cpu = 0
    let memoryMb = 0
    for (const r of this.reserved.values()) { cpu += r.cpu; memoryMb += r.memoryMb }
    return { cpu, memoryMb, tasks: this.reserved.size }
  }

  /**
   * Stops a task running here and releases its lease once its container is gone, so another peer
   * claims it at once (no expiry wait). This peer does not take it again for a while.
   */
  async handBack (taskId: string, reason: string): Promise<boolean> {
    const lease = this.running.get(taskId)
    if (lease === undefined || lease.fenced) return false
    this.declined.set(taskId, performance.now() + DECLINE_MS)
    lease.interrupt(reason)
    await this.runs.get(taskId)
    return lease.interruptedBy === reason
  }

  /** Hands back every task running here (owner's "stop now", machine going to sleep). */
  async handBackAll (reason: string): Promise<string[]> {
    const ids = [...this.running.keys()]
    const done = await Promise.all(ids.map(async id => await this.handBack(id, reason)))
    return ids.filter((_, i) => done[i])
  }

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
    if (this.stopping || this.c.executor === undefined || !this.c.placement.claiming()) return
    // The smaller side of a split network claims nothing (lease/membership.ts): no DHT reads for it.
    if (!this.c.leases.settled()) return
    // Every slot taken: no task can be claimed, so none is ranked (100+ waiting tasks × every
    // provider, ten times a second, on every busy peer).
    if (this.c.placement.problem(ANY_SPEC, this.held())?.code === 'no-free-slot') return
    const now = performance.now()
    for (const [id, until] of this.declined) if (until < now) this.declined.delete(id)
    const candidates = this.c.book.open().filter(t => !this.reserved.has(t.taskId) && !this.declined.has(t.taskId) && this.claimable(t.taskId))
    if (candidates.length === 0) return
    // Rendezvous ranking: every peer orders the providers that have room for a task by
    // hash(task, peer) the same way, so for each task one peer goes first and the others wait one
    // step per rank; the first claim's gossip reaches them before their turn, so nobody spends DHT
    // round trips on a lost race, and tasks spread evenly. Busy peers are not available, so work
    // goes to the least loaded. A small jitter covers views that differ.
    // An expired holder is presumed dead: it must not hold a place in the queue for its own task.
    // Orphans (expired leases) go before fresh tasks: their recovery time is what users wait on.
    // Tasks mostly ask for the same few sizes: one provider list per size per tick.
    const bySize = new Map<string, string[]>()
    const providersFor = (need: Need | undefined): string[] => {
      const key = need === undefined ? '' : `${need.cpu}/${need.memoryMb}/${String(need.network)}`
      let list = bySize.get(key)
      if (list === undefined) { list = this.c.availableProviders(need); bySize.set(key, list) }
      return list
    }
    const ranked = candidates
      .map(t => {
        const providers = providersFor(t.spec).filter(p => p !== t.state.holder)
        const othersWithRoom = providers.filter(p => p !== this.c.peerId).length
        return { t, orphan: t.state.status !== 'queued', rank: rankOf(t.taskId, this.c.peerId, providers), othersWithRoom }
      })
      .sort((a, b) => Number(b.orphan) - Number(a.orphan) || a.rank - b.rank)
    for (const { t, rank, orphan, othersWithRoom } of ranked) {
      const held = this.held()
      // A task whose spec is not here yet takes a slot until the spec is read and checked.
      const need = t.spec === undefined ? { cpu: 0, memoryMb: 0 } : { cpu: t.spec.cpu, memoryMb: t.spec.memoryMb }
      if (t.spec !== undefined ? this.c.placement.problem(t.spec, held) !== null : this.c.placement.problem(ANY_SPEC, held)?.code === 'no-free-slot') continue
      this.claiming.add(t.taskId)
      this.reserved.set(t.taskId, need)
      const delay = claimDelayMs({ rank, orphan, stepMs: this.rankStepMs, backoffMs: this.c.placement.backoffMs(held), othersWithRoom, jitterMs: this.jitterMs })
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
      if (!this.claimable(taskId) || !this.c.placement.claiming()) return
      const spec = await this.specOf(taskId)
      if (spec === undefined) return
      // Checked again with the spec in hand and without this task's own placeholder.
      this.reserved.delete(taskId)
      if (this.c.placement.problem(spec, this.held()) !== null) return
      this.reserved.set(taskId, { cpu: spec.cpu, memoryMb: spec.memoryMb })
      const out = await this.c.leases.claim(taskId)
      if (out.kind === 'lost') this.c.emit({ type: 'lease:lost', taskId })
      if (out.kind === 'adopted') this.c.emit({ type: 'lease:adopted', taskId, epoch: out.epoch, status: out.result.status, fromEpoch: out.result.epoch })
      if (out.kind !== 'claimed') return
      const lease = out.lease
      this.c.emit({ type: 'lease:claimed', taskId, epoch: lease.epoch, previous: out.previous })
      this.running.set(taskId, lease)
      this.claiming.delete(taskId)
      const run = this.runLeased(lease, spec, out.previous)
      this.runs.set(taskId, run.catch(() => {}))
      try {
        await run
      } finally {
        this.running.delete(taskId)
        this.runs.delete(taskId)
        this.startedAt.delete(taskId)
      }
    } catch (err) {
      this.c.emit({ type: 'executor:log', taskId, epoch: 0, stream: 'system', line: `scheduler error: ${String(err)}` })
    } finally {
      this.claiming.delete(taskId)
      this.reserved.delete(taskId)
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
    this.startedAt.set(lease.taskId, Date.now())
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
        onLog: (stream, line) => { emit({ type: 'executor:log', taskId: lease.taskId, epoch: lease.epoch, stream, line }) },
        // The container is gone from the CPU: its slot goes to the next task while this one is
        // removed and committed (both take a few hundred ms that would otherwise idle the slot).
        onExited: () => {
          emit({ type: 'task:exited', taskId: lease.taskId, epoch: lease.epoch })
          this.reserved.delete(lease.taskId)
          setImmediate(() => { this.tick() })
        },
        ...this.dataHooks(lease.taskId, spec)
      })
    } catch (err) {
      result = { exitCode: null, error: `executor error: ${String(err)}`, infrastructure: true, durationMs: 0 }
    } finally {
      clearInterval(beat)
    }
    if (lease.fenced && !lease.cancelRequested) return this.fenced(lease)
    if (lease.interruptedBy !== undefined && !lease.cancelRequested) {
      // Handed back: the container is gone; the release lets the next peer claim at once.
      const reason = lease.interruptedBy
      await leases.release(lease, reason)
      emit({ type: 'lease:released', taskId: lease.taskId, epoch: lease.epoch, reason })
      return
    }
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
    await this.finish(lease, { status: ok ? 'succeeded' : 'failed', exitCode: result.exitCode, error: result.error, resultCid: result.resultCid ?? null })
  }

  /** The executor's data hooks for one run: inputs only when the spec has some. */
  private dataHooks (taskId: string, spec: TaskSpec): Pick<TaskRun, 'prepareInput' | 'storeOutput' | 'maxOutputBytes'> {
    const data = this.c.taskData
    if (data === undefined) return {}
    const maxOutputBytes = data.maxOutputBytes()
    return {
      ...(spec.inputs !== undefined && spec.inputs.length > 0 ? { prepareInput: async (dir: string, signal: AbortSignal) => { await data.prepareInput(spec, taskId, dir, signal) } } : {}),
      storeOutput: async dir => await data.storeOutput(taskId, dir),
      ...(maxOutputBytes === undefined ? {} : { maxOutputBytes })
    }
  }

  private async finish (lease: Lease, outcome: Outcome): Promise<void> {
    const committed = (): void => { this.c.emit({ type: 'lease:committed', taskId: lease.taskId, epoch: lease.epoch, status: lease.cancelRequested ? 'cancelled' : outcome.status }) }
    if (await this.c.leases.commit(lease, outcome)) committed()
    else if (lease.fenced) this.fenced(lease)
    // Unconfirmed: the result went out but no quorum acknowledged it or could be read back in
    // time. It may well have landed (under load it usually has): watch the replicas, off the
    // slot, so the run still ends in an event (log followers wait for one) that tells the truth.
    else void this.confirm(lease).then(ok => { if (ok) committed(); else this.fenced(lease) })
  }

  /** True once the replicas hold this lease's result; false (lease fenced) if overtaken or never seen. */
  private async confirm (lease: Lease): Promise<boolean> {
    const until = performance.now() + CONFIRM_MS
    while (!this.stopping && performance.now() < until) {
      await new Promise(resolve => setTimeout(resolve, this.c.leases.heartbeatMs))
      const landed = await this.c.leases.confirm(lease).catch(() => undefined)
      if (landed !== undefined) return landed
    }
    lease.fence('result not confirmed by the replicas: the next claimer adopts it or runs the task again')
    return false
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

/** How long a holder keeps reading the replicas for a result it could not confirm at commit. */
const CONFIRM_MS = 60_000
/** Not re-claimed by the peer that handed it back for this long. */
const DECLINE_MS = 30_000
/** The smallest task: asks whether any slot is free before a task's spec is known. */
const ANY_SPEC: Need = { cpu: 0, memoryMb: 0, network: false }

/** This peer's position among `providers` for `taskId` (0 = first); unknown peers rank last. */
export function rankOf (taskId: string, me: string, providers: string[]): number {
  const mine = rendezvousScore(taskId, me)
  let rank = 0
  for (const p of providers) if (p !== me && rendezvousScore(taskId, p) < mine) rank++
  return rank
}

/** Scores already computed: every tick ranks every waiting task against every provider (a sha256 each: 4 % of 35 busy peers' CPU). */
const scores = new Map<string, string>()
const MAX_SCORES = 100_000

function rendezvousScore (taskId: string, peer: string): string {
  const key = `${taskId}:${peer}`
  let s = scores.get(key)
  if (s === undefined) {
    if (scores.size >= MAX_SCORES) scores.clear()
    s = sha256Hex(utf8ToBytes(key))
    scores.set(key, s)
  }
  return s
}
