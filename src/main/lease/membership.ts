// Who belongs to the organisation right now, as this peer can tell, and whether it reaches a
// majority of them. A lease write (claim, heartbeat, commit) is made only on the majority side:
// when the network splits, each side's DHT writes reach a quorum of the replicas on that side, so
// without this rule both sides would re-claim the other side's tasks and commit them twice. With
// it, at most one side (the one holding more than half of the members) goes on; the other waits
// for the heal, and its holders' unconfirmed results are discarded (their tasks run again).
//
// A member is a peer seen (connected, or its signed node lease or meta received) within the
// window. A member that vanishes without a goodbye (crash, power cut, the other side of a
// partition) still counts for the window: that is what keeps a minority from going on alone. The
// price: when more than half of the members die at once, the survivors wait one window before
// they forget the dead and resume. A partition longer than the window is no longer guarded.

/** Goodbyes remembered (a bound: peer ids are cheap to invent). */
const MAX_GONE = 10_000

export interface MembershipInit {
  /** How long an unseen member still counts. Default 60 s. */
  windowMs?: number
  /** Monotonic clock (ms). Default performance.now. */
  clock?: () => number
}

export interface MajorityView {
  /** Members this peer reaches now: itself and the members it is connected to. */
  reachable: number
  /** Members known: itself, the connected ones and those seen within the window. */
  known: number
  /** reachable > known / 2 */
  majority: boolean
}

export class Membership {
  private readonly lastSeen = new Map<string, number>()
  /** Said goodbye (with the goodbye's seq): not counted, even while its connections are still closing. */
  private readonly gone = new Map<string, number>()
  private readonly windowMs: number
  private readonly clock: () => number
  private hadMajority = true
  private majoritySince = Number.NEGATIVE_INFINITY

  /** `connected`: the peer ids this peer holds an open connection to (all members: pnet). */
  constructor (private readonly self: string, private readonly connected: () => Iterable<string>, init: MembershipInit = {}) {
    this.windowMs = init.windowMs ?? 60_000
    this.clock = init.clock ?? (() => performance.now())
  }

  /**
   * A sign of life from `peerId`: a node lease or meta it signed, `seq` being the record's. A record
   * signed before its goodbye (gossip does not keep order across paths) does not bring it back.
   */
  seen (peerId: string, seq = Number.POSITIVE_INFINITY): void {
    if (peerId === this.self) return
    const goodbye = this.gone.get(peerId)
    if (goodbye !== undefined) {
      if (seq <= goodbye) return
      this.gone.delete(peerId)
    }
    this.lastSeen.set(peerId, this.clock())
  }

  /** `peerId` said goodbye (graceful stop) in a record of this seq: it no longer counts, until it signs a newer one. */
  left (peerId: string, seq: number): void {
    this.lastSeen.delete(peerId)
    if (!this.gone.has(peerId) && this.gone.size >= MAX_GONE) this.gone.delete(this.gone.keys().next().value!)
    this.gone.set(peerId, Math.max(seq, this.gone.get(peerId) ?? seq))
  }

  view (): MajorityView {
    const now = this.clock()
    const members = new Set<string>([this.self])
    let reachable = 1
    for (const id of this.connected()) {
      if (id === this.self || members.has(id) || this.gone.has(id)) continue
      members.add(id)
      reachable++
      this.lastSeen.set(id, now)
    }
    for (const [id, at] of this.lastSeen) {
      if (now - at > this.windowMs) this.lastSeen.delete(id)
      else members.add(id)
    }
    const majority = reachable * 2 > members.size
    if (majority && !this.hadMajority) this.majoritySince = now
    this.hadMajority = majority
    return { reachable, known: members.size, majority }
  }

  /** How long this peer has had its majority (0 without one; Infinity if it never lost it). */
  majorityForMs (): number {
    return this.view().majority ? this.clock() - this.majoritySince : 0
  }

  /** The members now (this peer included): connected ones and those seen within the window. */
  members (): Set<string> {
    const now = this.clock()
    const out = new Set<string>([this.self])
    for (const id of this.connected()) if (!this.gone.has(id)) { out.add(id); this.lastSeen.set(id, now) }
    for (const [id, at] of this.lastSeen) if (now - at <= this.windowMs) out.add(id)
    return out
  }

  hasMajority (): boolean {
    return this.view().majority
  }
}
