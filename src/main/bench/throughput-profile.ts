// Where a slot's time goes between two containers in the throughput run: once a container exits,
// its slot is free (the removal and the commit of its result go on beside the next claim); the
// scheduler waits (tick, rendezvous rank, load back-off, jitter), claims the next task (read,
// write, settle window, re-read), marks it running, and only then starts the container.
// Timed by wrapping each provider's lease engine, on the one in-process clock.
import type { Peer } from '../peer/index.js'
import { distribution, type Distribution } from './stats.js'

/** One executor.run: called, container exited (the slot is free), returned (removed). */
export interface ExecRecord { peer: number, taskId: string, start: number, exited?: number, end?: number }

interface Call { peer: number, taskId: string, start: number, end: number, ok: boolean }

/** One freed slot refilled, split into its steps (ms). */
export interface RefillProfile {
  /** Container exited → the result committed (removal, then the replicas re-read and the write), beside the next claim. */
  commitMs: Distribution
  /** Container exited → the claim of the next task started on that provider (tick, rank step, back-off, jitter). */
  waitMs: Distribution
  /** That claim: read, write, settle window, re-read. */
  claimMs: Distribution
  /** Claimed → the next executor.run (first heartbeat marks it running). */
  startMs: Distribution
  /** Container exited → the next executor.run started on the same provider. */
  totalMs: Distribution
  /** Claims that did not win their task (lost the race, or found it taken meanwhile), each a wasted round of DHT calls. */
  lostClaims: number
}

export class LeaseTimer {
  private readonly claims: Call[] = []
  private readonly commits: Call[] = []

  /** Wraps the peer's claim and commit so each call's start and end are recorded. */
  watch (peer: Peer, index: number): void {
    const leases = peer.leases
    const claim = leases.claim.bind(leases)
    const commit = leases.commit.bind(leases)
    leases.claim = async (taskId) => {
      const start = performance.now()
      const out = await claim(taskId)
      this.claims.push({ peer: index, taskId, start, end: performance.now(), ok: out.kind === 'claimed' })
      return out
    }
    leases.commit = async (lease, outcome) => {
      const start = performance.now()
      const ok = await commit(lease, outcome)
      this.commits.push({ peer: index, taskId: lease.taskId, start, end: performance.now(), ok })
      return ok
    }
  }

  /**
   * Every run that ended while tasks were still waiting (before `lastClaimAt`), followed on its
   * provider by its commit and the next successful claim started after its container exited.
   */
  refills (execs: ExecRecord[], lastClaimAt: number): RefillProfile {
    const steps = { commitMs: [] as number[], waitMs: [] as number[], claimMs: [] as number[], startMs: [] as number[], totalMs: [] as number[] }
    for (const r of execs) {
      if (r.end === undefined || r.end >= lastClaimAt) continue
      const freed = r.exited ?? r.end
      const commit = this.commits.find(c => c.peer === r.peer && c.taskId === r.taskId && c.start >= r.end!)
      if (commit === undefined) continue
      const next = this.claims.filter(c => c.ok && c.peer === r.peer && c.start >= freed).sort((a, b) => a.start - b.start)[0]
      const exec = next === undefined ? undefined : execs.find(e => e.peer === r.peer && e.taskId === next.taskId)
      if (next === undefined || exec === undefined) continue
      steps.commitMs.push(commit.end - freed)
      steps.waitMs.push(next.start - freed)
      steps.claimMs.push(next.end - next.start)
      steps.startMs.push(exec.start - next.end)
      steps.totalMs.push(exec.start - freed)
    }
    return {
      commitMs: distribution(steps.commitMs),
      waitMs: distribution(steps.waitMs),
      claimMs: distribution(steps.claimMs),
      startMs: distribution(steps.startMs),
      totalMs: distribution(steps.totalMs),
      lostClaims: this.claims.filter(c => !c.ok).length
    }
  }
}
