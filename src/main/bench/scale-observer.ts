// What the scale experiment measures, from the event lines its worker processes stream back. The
// duplicate-commit and duplicate-execution logic is the claim bench's ClaimObserver: each remote
// peer gets a stand-in that feeds its bus listener and executor hook from the stream. Claim
// latency uses the events' own wall-clock stamps (one machine, one clock), not their arrival time.
import type { Peer } from '../peer/index.js'
import type { PeerEvent } from '../peer/bus.js'
import { ClaimObserver, type DuplicateCommit, type DuplicateRun } from './claim-observer.js'
import type { PeerEventLine } from './multi-testbed-protocol.js'

interface Remote {
  bus: (e: PeerEvent) => void
  run: (e: { taskId: string, epoch: number, phase: 'start' | 'end', aborted: boolean }) => void
}

export class ScaleObserver {
  private readonly claims = new ClaimObserver()
  private readonly remotes = new Map<string, Remote>()
  private readonly submittedAt = new Map<string, number>()
  private readonly submitter = new Map<string, string>()
  private readonly firstClaimAt = new Map<string, number>()
  events = 0

  ingest (events: PeerEventLine[]): void {
    for (const e of events) {
      this.events++
      const r = this.remote(e.peer)
      switch (e.type) {
        case 'submitted': this.submittedAt.set(e.taskId, e.at); this.submitter.set(e.taskId, e.peer); break
        case 'claimed':
          this.firstClaimAt.set(e.taskId, Math.min(e.at, this.firstClaimAt.get(e.taskId) ?? Infinity))
          r.bus({ type: 'lease:claimed', taskId: e.taskId, epoch: e.epoch } as PeerEvent)
          break
        case 'committed': r.bus({ type: 'lease:committed', taskId: e.taskId, epoch: e.epoch, status: e.status }); break
        case 'adopted': r.bus({ type: 'lease:adopted', taskId: e.taskId, epoch: e.epoch, status: e.status, fromEpoch: 0 }); break
        case 'fenced': r.bus({ type: 'lease:fenced', taskId: e.taskId, epoch: e.epoch, reason: e.reason }); break
        case 'running': r.bus({ type: 'task:running', taskId: e.taskId, epoch: e.epoch }); break
        // Only the fields ClaimObserver reads of a terminal task state.
        case 'terminal': r.bus({ type: 'task:state', task: { taskId: e.taskId, holder: e.holder, epoch: e.epoch, status: e.status } } as unknown as PeerEvent); break
        case 'run': r.run({ taskId: e.taskId, epoch: e.epoch, phase: e.phase, aborted: e.aborted }); break
      }
    }
  }

  get submittedCount (): number { return this.submittedAt.size }
  get claimedCount (): number { return this.firstClaimAt.size }

  /** Submit call start → first lease:claimed on any peer, per claimed task. */
  claimLatencies (): number[] {
    const out: number[] = []
    for (const [taskId, at] of this.submittedAt) {
      const claimed = this.firstClaimAt.get(taskId)
      if (claimed !== undefined) out.push(claimed - at)
    }
    return out
  }

  /** The tasks `peerId` submitted. */
  submittedBy (peerId: string): string[] { return [...this.submitter].filter(([, p]) => p === peerId).map(([t]) => t) }
  duplicateCommits (): DuplicateCommit[] { return this.claims.duplicateCommits() }
  duplicateExecutions (): DuplicateRun[] { return this.claims.duplicateExecutions() }

  private remote (peerId: string): Remote {
    let r = this.remotes.get(peerId)
    if (r !== undefined) return r
    let listener: (e: PeerEvent) => void = () => {}
    // The stand-in has what ClaimObserver.watch touches: an id, a bus, an expiry watcher (no
    // outages here: the scale run kills nobody, so expiry moments are never needed).
    const standIn = {
      peerId,
      bus: { on: (l: (e: PeerEvent) => void) => { listener = l; return () => {} } },
      leases: { watcher: { isExpired: () => false, firstSeenAt: () => undefined } }
    }
    this.claims.watch(standIn as unknown as Peer)
    r = { bus: e => { listener(e) }, run: this.claims.runHook(() => peerId) }
    this.remotes.set(peerId, r)
    return r
  }
}
