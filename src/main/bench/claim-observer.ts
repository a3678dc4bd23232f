// What the claim experiment measures, collected from every peer's bus, executor and expiry watcher
// on one clock: all peers live in this process, so performance.now() orders events across them.
import { isTerminal, type TaskState } from '../../shared/index.js'
import type { Peer } from '../peer/index.js'
import { RunLog } from './partition-runs.js'

/** One lease held by a killed peer: the task must run elsewhere at a higher epoch. */
export interface Outage {
  taskId: string
  victim: string
  epoch: number
  killedAt: number
  recoveredAt?: number
  recoveredBy?: string
  /** When the new holder's own watcher judged the killed lease expired (firstSeenAt + ttl). */
  detectedExpiryAt?: number
}

/** A task with more than one terminal (holder, epoch): what each claimed. */
export interface DuplicateCommit {
  taskId: string
  commits: Array<{ holder: string, epoch: number, status: string }>
}

/** A task whose simulated work finished more than once: each run and why its lease was fenced. */
export interface DuplicateRun {
  taskId: string
  runs: Array<{ holder: string, epoch: number, fencedBy: string | null }>
}

type RunEvent = { taskId: string, epoch: number, phase: 'start' | 'end', aborted: boolean }

export class ClaimObserver {
  private readonly submitStart = new Map<string, number>()
  private readonly firstClaim = new Map<string, number>()
  /** taskId → `${holder}@${epoch}` → status, for every terminal commit or terminal state seen. */
  private readonly terminals = new Map<string, Map<string, string>>()
  /** `${peerId}@${epoch}` of results a claimer found already written and wrote again (same result, no run). */
  private readonly adoptions = new Set<string>()
  /** taskId → runs that finished unaborted, as `${peerId}@${epoch}`. */
  private readonly completedRuns = new Map<string, string[]>()
  /** `${peerId} ${taskId}@${epoch}` → why that lease was fenced, to explain duplicate runs. */
  private readonly fenced = new Map<string, string>()
  /** peerId → runs now inside its executor. */
  private readonly executing = new Map<string, Set<string>>()
  private readonly killed = new Map<string, number>()
  /** `${peerId} ${taskId}@${epoch}` → moment that peer's watcher saw the lease expire. */
  private readonly expiries = new Map<string, number>()
  readonly outages: Outage[] = []
  /** Every run's start and end, to tell how long two runs of one task executed at once. */
  readonly runs = new RunLog()

  /** Executor hook for the peer `owner()` names (known once that peer has started). */
  runHook (owner: () => string | undefined): (e: RunEvent) => void {
    return e => {
      const id = owner()
      // A killed peer's executor may still finish locally: its result never left the process.
      if (id === undefined || this.killed.has(id)) return
      const set = this.executing.get(id) ?? new Set<string>()
      this.executing.set(id, set)
      const run = `${e.taskId}@${e.epoch}`
      if (e.phase === 'start') {
        set.add(run)
        this.runs.start(e.taskId, id, e.epoch, performance.now())
      } else {
        set.delete(run)
        this.runs.end(e.taskId, id, e.epoch, performance.now())
        if (!e.aborted) this.completedRuns.set(e.taskId, [...this.completedRuns.get(e.taskId) ?? [], `${id}@${e.epoch}`])
      }
    }
  }

  watch (peer: Peer): void {
    const id = peer.peerId
    peer.bus.on(e => {
      if (this.killed.has(id)) return
      const now = performance.now()
      switch (e.type) {
        case 'lease:claimed':
          if (!this.firstClaim.has(e.taskId)) this.firstClaim.set(e.taskId, now)
          break
        case 'lease:committed':
          this.addTerminal(e.taskId, id, e.epoch, e.status)
          break
        case 'task:state':
          if (isTerminal(e.task.status)) this.addTerminal(e.task.taskId, e.task.holder ?? 'submitter', e.task.epoch, e.task.status)
          break
        case 'lease:adopted':
          this.adoptions.add(`${id}@${e.epoch}`)
          break
        case 'lease:fenced':
          this.fenced.set(`${id} ${e.taskId}@${e.epoch}`, e.reason)
          break
        case 'task:running':
          this.onRunning(id, e.taskId, e.epoch, now)
          break
      }
    })
    // The watcher keeps only the latest seq it saw, so the moment a lease expired is captured
    // here, when the peer's own watcher first says so (scheduler tick or claim).
    const watcher = peer.leases.watcher
    const isExpired = watcher.isExpired.bind(watcher)
    watcher.isExpired = (state: TaskState): boolean => {
      const expired = isExpired(state)
      const key = `${id} ${state.taskId}@${state.epoch}`
      if (expired && !this.expiries.has(key)) {
        const seen = watcher.firstSeenAt(state.taskId)
        if (seen !== undefined) this.expiries.set(key, seen + state.ttlMs)
      }
      return expired
    }
  }

  submitted (taskId: string, startedAt: number): void { this.submitStart.set(taskId, startedAt) }

  isExecuting (peerId: string): boolean { return (this.executing.get(peerId)?.size ?? 0) > 0 }

  /** Whether `holder`'s own result at `epoch` was seen committed (a killed holder that finished just before its kill). */
  committedBy (taskId: string, holder: string, epoch: number): boolean {
    return this.terminals.get(taskId)?.has(`${holder}@${epoch}`) ?? false
  }

  /** Call just before killing: every lease the peer holds becomes an outage to recover. */
  markKilled (peer: Peer, at: number): number {
    const leases = peer.scheduler.heldLeases()
    for (const l of leases) this.outages.push({ taskId: l.taskId, victim: peer.peerId, epoch: l.epoch, killedAt: at })
    this.killed.set(peer.peerId, at)
    // A real kill ends its containers with it: the killed peer's runs stop counting at the kill.
    for (const run of this.executing.get(peer.peerId) ?? []) {
      const [taskId, epoch] = run.split('@') as [string, string]
      this.runs.end(taskId, peer.peerId, Number(epoch), at)
    }
    this.executing.delete(peer.peerId)
    return leases.length
  }

  isKilled (peerId: string): boolean { return this.killed.has(peerId) }

  get claimedCount (): number { return this.firstClaim.size }

  /** Submit call start → first lease:claimed on any peer, per task that was claimed. */
  claimLatencies (): number[] {
    const out: number[] = []
    for (const [taskId, start] of this.submitStart) {
      const at = this.firstClaim.get(taskId)
      if (at !== undefined) out.push(at - start)
    }
    return out
  }

  duplicateCommits (): DuplicateCommit[] {
    const out: DuplicateCommit[] = []
    for (const [taskId, all] of this.terminals) {
      // An adoption repeats a result the task already has: one result, written at two epochs.
      const commits = new Map([...all].filter(([k, status]) => !this.adoptions.has(k) || ![...all].some(([o, s]) => o !== k && !this.adoptions.has(o) && s === status)))
      if (commits.size < 2) continue
      out.push({
        taskId,
        commits: [...commits].map(([k, status]) => {
          const [holder, epoch] = k.split('@') as [string, string]
          return { holder, epoch: Number(epoch), status }
        })
      })
    }
    return out
  }

  /** Tasks whose work ran to completion more than once, with each run's fate. */
  duplicateExecutions (): DuplicateRun[] {
    const out: DuplicateRun[] = []
    for (const [taskId, runs] of this.completedRuns) {
      if (runs.length < 2) continue
      out.push({
        taskId,
        runs: runs.map(r => {
          const [holder, epoch] = r.split('@') as [string, string]
          return { holder, epoch: Number(epoch), fencedBy: this.fenced.get(`${holder} ${taskId}@${epoch}`) ?? null }
        })
      })
    }
    return out
  }

  private addTerminal (taskId: string, holder: string, epoch: number, status: string): void {
    const commits = this.terminals.get(taskId) ?? new Map<string, string>()
    this.terminals.set(taskId, commits)
    commits.set(`${holder}@${epoch}`, status)
  }

  private onRunning (peerId: string, taskId: string, epoch: number, now: number): void {
    for (const o of this.outages) {
      if (o.taskId !== taskId || o.recoveredAt !== undefined || o.victim === peerId || epoch <= o.epoch) continue
      o.recoveredAt = now
      o.recoveredBy = peerId
      o.detectedExpiryAt = this.expiries.get(`${peerId} ${taskId}@${o.epoch}`)
    }
  }
}
