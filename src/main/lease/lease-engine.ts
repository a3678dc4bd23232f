// Claim / heartbeat / fence / commit / release (DESIGN.md "Lease – heartbeat – fencing").
import {
  isClaimable, isTerminal, taskCancelKey, taskStateKey, type TaskState, type TaskStatus
} from '../../shared/index.js'
import type { OpenedRecord, RecordStore } from '../records/index.js'
import { ExpiryWatcher, monotonicNow, type MonotonicClock } from './expiry-watcher.js'
import { Lease } from './lease.js'

export interface LeaseEngineComponents {
  records: RecordStore
  peerId: string
  /** Gossips a signed record so watchers react in milliseconds. */
  announce: (bytes: Uint8Array) => void
  watcher?: ExpiryWatcher
  clock?: MonotonicClock
  /**
   * Whether this peer reaches a majority of the organisation's members (Membership). Claims,
   * heartbeats and commits are written only while it does, so the two sides of a partition can
   * never both run a task to completion. Default: always (a lone engine in unit tests).
   */
  majority?: () => boolean
  /**
   * How long this peer has had its majority (Membership.majorityForMs). Just after a split heals,
   * its routing table and the replicas it reads still reflect its own side: it claims nothing for
   * two heartbeats, while the other side's newer records reach it. Default: always settled.
   */
  majorityForMs?: () => number
}

export interface LeaseEngineInit {
  /** Lease time-to-live. Default 10,000 ms. */
  ttlMs?: number
  /** Wait between a claim put and its verifying re-read, so racing claims land first. Default 100 ms (at least twice the recent write latency). */
  settleMs?: number
  /** A commit needs an acknowledged heartbeat younger than ttl − margin, else it re-checks. Default 1,000 ms. */
  commitMarginMs?: number
}

/** Why a holder stops when the replicas already hold its own result. */
const ALREADY_COMMITTED = 'already committed'

export type ClaimOutcome =
  | { kind: 'claimed', lease: Lease, previous: TaskState }
  | { kind: 'not-claimable', state: TaskState | undefined }
  | { kind: 'lost', winner: TaskState | undefined }
  /** My claim overtook a result its slow writer had already put: I wrote that same result at my epoch. */
  | { kind: 'adopted', epoch: number, result: TaskState }

export interface Outcome { status: Extract<TaskStatus, 'succeeded' | 'failed' | 'cancelled'>, exitCode: number | null, error: string | null, resultCid?: string | null }

/** A read of a task's state: the selected record, every copy, and which the replicas hold. */
export interface StateRead {
  best: OpenedRecord<'task-state'> | undefined
  copies: Array<OpenedRecord<'task-state'>>
  /** Replicas that answered. */
  responses: number
  /** Replicas that answered with each record, by sigHash (this peer's own memory not counted). */
  heldBy: Map<string, number>
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

export class LeaseEngine {
  readonly ttlMs: number
  readonly watcher: ExpiryWatcher
  private readonly settleMs: number
  private readonly commitMarginMs: number
  private readonly clock: MonotonicClock
  /** Moving average of how long a state write takes to be acknowledged. */
  private writeLatencyMs = 0

  constructor (private readonly components: LeaseEngineComponents, init: LeaseEngineInit = {}) {
    this.ttlMs = init.ttlMs ?? 10_000
    this.settleMs = init.settleMs ?? 100
    this.commitMarginMs = init.commitMarginMs ?? 1000
    this.clock = components.clock ?? monotonicNow
    this.watcher = components.watcher ?? new ExpiryWatcher(this.clock)
  }

  get heartbeatMs (): number { return Math.floor(this.ttlMs / 3) }

  /** Reads the task state from a quorum of replicas (and `holder`'s own copy, see RecordStore.get) and feeds the expiry watcher. */
  async readState (taskId: string, holder?: string): Promise<StateRead> {
    const { best, copies, responses, heldBy } = await this.components.records.get<'task-state'>(taskStateKey(taskId), holder === undefined ? {} : { holder })
    if (best !== undefined) this.watcher.observe(best.value)
    return { best, copies, responses, heldBy }
  }

  /**
   * Whether a quorum of the replicas that answered hold `rec` (not just this peer's memory of it).
   * A lease decision rests on what the replicas hold: a record on too few of them is invisible to
   * a peer that reads the others, which could then claim the same task or commit under it.
   */
  private onReplicas (read: StateRead, rec: OpenedRecord<'task-state'> | undefined): boolean {
    return rec !== undefined && (read.heldBy.get(rec.sigHash) ?? 0) >= this.components.records.quorum()
  }

  /** My result at this lease's epoch, held by a quorum of the replicas that answered. */
  private landed (lease: Lease, read: StateRead): boolean {
    const me = this.components.peerId
    return read.copies.some(c => c.signer === me && c.value.epoch === lease.epoch && isTerminal(c.value.status) && this.onReplicas(read, c))
  }

  /**
   * Claims `taskId` if it is queued or its lease was observed expired: put leased@epoch+1, wait
   * the settle window, re-read; the lease is mine only if the selected record is mine.
   */
  async claim (taskId: string): Promise<ClaimOutcome> {
    const me = this.components.peerId
    let state = (await this.readState(taskId)).best?.value
    // A lease judged expired on this peer's clock may have ended in a result that never reached
    // it: gossip lost, and the commit acknowledged by replicas other than the few read here (a
    // commit waits for 3 of 20). The holder keeps its own result; while it is connected, ask it
    // before taking the task over (bench scale, 50 agents still meeting: one task committed twice).
    const askHolder = state?.holder != null && state.holder !== me ? state.holder : undefined
    // isExpired is false for a queued or finished task: those have nothing to ask.
    if (askHolder !== undefined && this.watcher.isExpired(state!)) state = (await this.readState(taskId, askHolder)).best?.value
    if (state === undefined || !isClaimable(state, this.watcher.isExpired(state)) || !this.settled()) return { kind: 'not-claimable', state }
    // An attempt is a run that started: a lease that expired while still 'leased' never ran (its
    // claimant lost the race, or lost the majority, before the work began), so it costs none of
    // the task's maxAttempts; a task must not fail "after N attempts" that were only contention.
    const attempts = state.status === 'leased' ? state.attempts : state.attempts + 1
    const claimed: TaskState = {
      ...state, status: 'leased', epoch: state.epoch + 1, holder: me, seq: 0, attempts,
      ttlMs: this.ttlMs, exitCode: null, error: null, resultCid: null, updatedAt: Date.now()
    }
    const startedAt = this.clock()
    // Even a claim short of quorum goes on to the re-read: the replicas decide, not the ack count.
    const wrote = await this.write(claimed)
    // The settle window must outlast a racing claimer's write; under load writes slow down, so
    // it stretches to twice the recent write latency.
    await sleep(Math.max(this.settleMs, 2 * this.writeLatencyMs))
    // The previous holder is asked again: a result it committed during the settle window is adopted below.
    const after = await this.readState(taskId, askHolder)
    const winner = after.best?.value
    // A split during the settle window: the re-read saw only this side's replicas.
    if (after.best?.signer !== me || winner?.epoch !== claimed.epoch || winner.holder !== me || !this.hasMajority()) return { kind: 'lost', winner }
    // Selected here because this peer remembers its own claim: the replicas must hold it too.
    if (!wrote && !this.onReplicas(after, after.best)) return { kind: 'lost', winner: undefined }
    const lease = new Lease(claimed, startedAt)
    // A result committed at a lower epoch that my claim overtook (its writer was slow, not dead):
    // adopt it instead of running the task a second time.
    const done = after.copies.find(c => isTerminal(c.value.status) && c.value.epoch < claimed.epoch)
    if (done !== undefined) {
      const { status, exitCode, error, resultCid } = done.value
      if (await this.commit(lease, { status: status as Outcome['status'], exitCode, error, resultCid })) return { kind: 'adopted', epoch: claimed.epoch, result: done.value }
      return { kind: 'not-claimable', state: done.value }
    }
    return { kind: 'claimed', lease, previous: state }
  }

  /**
   * Checks the replicas for anything that takes the lease away: a higher epoch, another holder
   * at my epoch, or a result I already wrote. A cancel seen by gossip (or read, with
   * `readCancel`) makes the holder stop and commit `cancelled`. Returns the highest seq seen at
   * my epoch, and whether enough replicas answered for an absence to mean anything.
   */
  async check (lease: Lease, readCancel = false): Promise<{ maxSeq: number, conclusive: boolean }> {
    const me = this.components.peerId
    const [read, cancel] = await Promise.all([
      this.readState(lease.taskId),
      readCancel ? this.components.records.get<'task-cancel'>(taskCancelKey(lease.taskId)).then(r => r.best) : this.components.records.cached<'task-cancel'>(taskCancelKey(lease.taskId))
    ])
    let maxSeq = lease.seq
    for (const c of read.copies) {
      const s = c.value
      if (s.epoch > lease.epoch) lease.fence(`epoch ${s.epoch} appeared (holder ${s.holder ?? '?'})`)
      // Two holders of one epoch (both re-reads raced): any sight of the other stops me. Both
      // may stop, and the task waits one ttl for a new epoch; neither may commit alongside.
      else if (s.epoch === lease.epoch && s.holder !== me) lease.fence(`holder ${s.holder ?? '?'} also claimed epoch ${s.epoch}`)
      else if (s.epoch === lease.epoch && s.holder === me && isTerminal(s.status) && c.signer === me && this.onReplicas(read, c)) lease.fence(ALREADY_COMMITTED)
      if (s.epoch === lease.epoch) maxSeq = Math.max(maxSeq, s.seq)
    }
    if (cancel !== undefined && !lease.fenced) lease.cancel()
    return { maxSeq, conclusive: read.responses >= this.components.records.quorum() }
  }

  /**
   * Heartbeat: seq+1 at the same epoch. Gossip fences the holder in milliseconds, so the replicas
   * are read only every third beat, or when a replica refused the write (a monotonic replica
   * refuses exactly when it holds a better record). Refreshes lastAckedAt on a quorum.
   *
   * Only the first beat, every third one and `toReplicas` beats are written to the replicas; the
   * others only go out by gossip, which is what every watcher times expiry by (a claimer's read
   * selects the newest of the replicas' copies and its own, gossip-fed one). Writing all of them
   * to K = 20 replicas made heartbeats most of a busy organisation's traffic (bench scale, 35
   * peers: the work phase saturated 2 cores). Returns whether the beat went out (gossip) or was
   * acknowledged by a quorum (replicas).
   */
  async heartbeat (lease: Lease, status: 'leased' | 'running' = 'running', toReplicas = false): Promise<boolean> {
    if (this.silentTooLong(lease)) return false
    const startedAt = this.clock()
    lease.beats++
    // The first beat only marks the task running: the claim's re-read has just checked.
    const third = lease.beats % 3 === 0
    if (third) lease.seq = (await this.check(lease)).maxSeq
    if (lease.fenced) return false
    lease.seq++
    if (!third && !toReplicas && lease.beats > 1) return await this.gossipBeat(lease.next({ status }, lease.seq), lease)
    let ok = await this.write(lease.next({ status }, lease.seq), true, lease)
    if (!ok) {
      lease.seq = (await this.check(lease)).maxSeq
      if (lease.fenced) return false
      lease.seq++
      ok = await this.write(lease.next({ status }, lease.seq), true, lease)
    }
    if (ok) lease.lastAckedAt = startedAt
    return ok
  }

  /**
   * Commits the outcome under the fencing token; false (result discarded) when fenced. The
   * lease must be provably alive (an acknowledged heartbeat younger than ttl − margin, renewed
   * first if older) and the replicas must show no one overtaking it.
   */
  async commit (lease: Lease, outcome: Outcome): Promise<boolean> {
    if (lease.fenced || this.silentTooLong(lease)) return false
    if (this.clock() - lease.lastAckedAt > this.ttlMs - this.commitMarginMs && !await this.heartbeat(lease, 'running', true)) return false
    // One read of the replicas right before the result goes out: a higher epoch or a second
    // holder of mine, seen there, means this result must not be written. It counts only if a
    // quorum answered: a claim that overtook me is on a quorum, so a quorum read meets it.
    let seen = await this.check(lease, true)
    for (let retry = 0; !seen.conclusive && !lease.fenced && retry < 2; retry++) {
      await sleep(this.heartbeatMs / 4)
      seen = await this.check(lease, true)
    }
    lease.seq = Math.max(lease.seq, seen.maxSeq)
    if (lease.fenced || !seen.conclusive) return false
    const status = lease.cancelRequested ? 'cancelled' : outcome.status
    // A result short of its quorum (a replica slow to answer) is written again, re-checked each
    // time, rather than left to expire and run a second time.
    // Under load a write can fall short of its acknowledgements for a while: keep at it while the
    // lease is still provably mine, rather than leave a result on too few replicas.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) {
        if (attempt >= 3 && this.clock() - lease.lastAckedAt > this.ttlMs - this.commitMarginMs) break
        // Replicas that already hold my result: it landed, only the acknowledgements were late.
        if (this.landed(lease, await this.readState(lease.taskId))) return true
        lease.seq = Math.max(lease.seq, (await this.check(lease)).maxSeq)
        // The re-check itself may be the read that finds my result (the one before it missed it).
        if (lease.fencedBy === ALREADY_COMMITTED) return true
        if (lease.fenced) return false
      }
      lease.seq++
      if (await this.write(lease.next({ status, exitCode: outcome.exitCode, error: outcome.error, resultCid: outcome.resultCid ?? null }, lease.seq), true, lease)) return true
    }
    // Writes short of their quorum may still have landed: say so if the replicas hold it.
    return this.landed(lease, await this.readState(lease.taskId))
  }

  /**
   * After a commit that could not be confirmed (its writes and re-reads short of a quorum under
   * load, although the result may well have landed): true once a quorum of replicas holds my
   * result, false once something overtook the lease, undefined while neither shows. Reads only.
   */
  async confirm (lease: Lease): Promise<boolean | undefined> {
    // Cut off from the majority, the replicas this peer reaches are its own side's: what they
    // hold says nothing of what the organisation selects. Wait for the heal.
    if (!lease.fenced) {
      if (!this.hasMajority()) return undefined
      await this.check(lease)
    }
    return lease.fenced ? lease.fencedBy === ALREADY_COMMITTED : undefined
  }

  /** Hands the task back: queued at a fresh epoch, claimable by anyone at once. */
  async release (lease: Lease, reason: string): Promise<boolean> {
    if (lease.fenced) return false
    lease.fence(`released: ${reason}`)
    // Not gated: a hand-back only makes the task claimable, and a claim needs the majority.
    return await this.write({ ...lease.claimed, status: 'queued', epoch: lease.epoch + 1, holder: this.components.peerId, seq: 0, error: reason.slice(0, 1024), updatedAt: Date.now() }, false)
  }

  /**
   * A lease none of whose writes went out for ttl − margin (this peer had no majority) is lost:
   * no heartbeat reached anyone, so the others have judged it expired and may have claimed it.
   * Renewing it after the heal would write over their epoch on replicas that never saw it.
   */
  private silentTooLong (lease: Lease): boolean {
    if (this.clock() - Math.max(lease.lastAckedAt, lease.lastSentAt) <= this.ttlMs - this.commitMarginMs) return false
    // Say which: a peer cut off from the majority, or one too loaded to beat in time (short ttl).
    lease.fence(this.hasMajority()
      ? 'lease lost: no heartbeat went out for a ttl (this peer was too slow to send them)'
      : 'lease lost: no heartbeat went out for a ttl (this peer had no majority)')
    return true
  }

  /** Has had its majority for at least two heartbeats (see `majorityForMs`). */
  settled (): boolean {
    return (this.components.majorityForMs?.() ?? Number.POSITIVE_INFINITY) >= 2 * this.heartbeatMs
  }

  /** Reaches a majority of the members (always, without a membership). */
  hasMajority (): boolean {
    return this.components.majority?.() ?? true
  }

  /** A beat by gossip only (see heartbeat): signed, kept as this peer's copy, announced. Not sent without a majority. */
  private async gossipBeat (state: TaskState, lease: Lease): Promise<boolean> {
    if (!this.hasMajority()) return false
    lease.lastSentAt = this.clock()
    const rec = await this.components.records.sign(taskStateKey(state.taskId), state)
    this.components.announce(rec.bytes)
    this.watcher.observe(state)
    return true
  }

  /**
   * Writes a state of my lease; true once a quorum acknowledged it. Lease writes (`gated`) are not
   * even sent from the minority side of a partition: they could only be acknowledged there.
   */
  private async write (state: TaskState, gated = true, lease?: Lease): Promise<boolean> {
    if (gated && !this.hasMajority()) return false
    const started = this.clock()
    if (lease !== undefined) lease.lastSentAt = started
    try {
      const { acks, required } = await this.components.records.put(taskStateKey(state.taskId), state, { announce: this.components.announce })
      this.watcher.observe(state)
      this.writeLatencyMs = 0.8 * this.writeLatencyMs + 0.2 * (this.clock() - started)
      // Connections lost while the write was out: its acknowledgements came from one side only.
      return acks >= required && (!gated || this.hasMajority())
    } catch {
      return false
    }
  }
}
