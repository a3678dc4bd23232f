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

/** A view is reused this long (see Membership.view). */
const VIEW_CACHE_MS = 200
/** The connected set is retaken at least this often, even without a connection event. */
const CONNECTED_CACHE_MS = 1000

/** Goodbyes remembered (a bound: peer ids are cheap to invent). */
const MAX_GONE = 10_000

/**
 * Spacing of the organisation's liveness beats: each member beats every max(ttl, members × this),
 * so every peer receives at most ~2.5 beats a second however large the organisation grows. A beat
 * every ttl from each of N members made the idle cost O(N²) (bench scale: 35 peers saturated 2 cores).
 */
export const BEAT_SPACING_MS = 400

/** How often a member says it is alive (its node meta by gossip), for an organisation of `members`. */
export function beatIntervalMs (ttlMs: number, members: number): number {
  return Math.max(ttlMs, Math.ceil(members) * BEAT_SPACING_MS)
}

/** How long an unseen member still counts: a few missed beats, at least a minute. */
export function membershipWindowMs (ttlMs: number, members: number): number {
  return Math.max(60_000, 4 * beatIntervalMs(ttlMs, members))
}

export interface MembershipInit {
  /** How long an unseen member still counts (a function: it grows with the organisation). Default 60 s. */
  windowMs?: number | (() => number)
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
  private readonly windowMs: () => number
  private readonly clock: () => number
  private hadMajority = true
  private majoritySince = Number.NEGATIVE_INFINITY
  /** The last view and when it was taken: every lending and scheduler tick asks, and rebuilding it each time was 8 % of 35 idle peers' CPU (profile). */
  private cached: { view: MajorityView, at: number } | undefined
  /** The last members set: every record read and write asks (replica choice and quorum), twice per write. */
  private cachedMembers: { set: ReadonlySet<string>, at: number } | undefined
  /** The peers connected now, as of the last connection change (ranking and replica order only). */
  private cachedConnected: { set: ReadonlySet<string>, at: number } | undefined

  /** `connected`: the peer ids this peer holds an open connection to (all members: pnet). */
  constructor (private readonly self: string, private readonly connected: () => Iterable<string>, init: MembershipInit = {}) {
    const w = init.windowMs ?? 60_000
    this.windowMs = typeof w === 'number' ? () => w : w
    this.clock = init.clock ?? (() => performance.now())
  }

  /**
   * A sign of life from `peerId`: a node lease or meta it signed, `seq` being the record's. A record
   * signed before its goodbye (gossip does not keep order across paths) does not bring it back.
   */
  seen (peerId: string, seq = Number.POSITIVE_INFINITY): void {
    if (peerId === this.self) return
    if (!this.lastSeen.has(peerId)) this.invalidate()
    const goodbye = this.gone.get(peerId)
    if (goodbye !== undefined) {
      if (seq <= goodbye) return
      this.gone.delete(peerId)
    }
    this.lastSeen.set(peerId, this.clock())
  }

  /** `peerId` said goodbye (graceful stop) in a record of this seq: it no longer counts, until it signs a newer one. */
  left (peerId: string, seq: number): void {
    this.invalidate()
    this.lastSeen.delete(peerId)
    if (!this.gone.has(peerId) && this.gone.size >= MAX_GONE) this.gone.delete(this.gone.keys().next().value!)
    this.gone.set(peerId, Math.max(seq, this.gone.get(peerId) ?? seq))
  }

  /**
   * `peerId` no longer counts as known: the owner shut it out (allow/deny lists), so it must not
   * hold up the majority for a whole window. A later sign of life (once admitted again) brings it back.
   */
  forget (peerId: string): void {
    this.lastSeen.delete(peerId)
    this.invalidate()
  }

  /** A connection opened or closed (libp2p's peer:connect / peer:disconnect): the next view is taken afresh. */
  connectionsChanged (): void {
    this.invalidate()
    this.cachedConnected = undefined
  }

  private invalidate (): void {
    this.cached = undefined
    this.cachedMembers = undefined
  }

  /** Whether a cache taken at `at` may still serve now. */
  private current (at: number | undefined, maxAgeMs = VIEW_CACHE_MS): boolean {
    const now = this.clock()
    return at !== undefined && now - at < maxAgeMs && now >= at
  }

  /**
   * Whether this peer reaches a majority of the members it knows, for status, the lending view and
   * the scheduler's ticks: reused for up to VIEW_CACHE_MS unless a connection opened or closed or
   * a member arrived or said goodbye. Lease writes ask `hasMajority`, which never uses the cache.
   */
  view (): MajorityView {
    if (this.cached !== undefined && this.current(this.cached.at)) return this.cached.view
    return this.fresh()
  }

  /** The view taken now from the connections themselves, never from the cache. */
  private fresh (): MajorityView {
    const now = this.clock()
    const members = new Set<string>([this.self])
    let reachable = 1
    for (const id of this.connected()) {
      if (id === this.self || members.has(id) || this.gone.has(id)) continue
      members.add(id)
      reachable++
      this.lastSeen.set(id, now)
    }
    const windowMs = this.windowMs()
    for (const [id, at] of this.lastSeen) {
      if (now - at > windowMs) this.lastSeen.delete(id)
      else members.add(id)
    }
    const majority = reachable * 2 > members.size
    if (majority && !this.hadMajority) this.majoritySince = now
    this.hadMajority = majority
    const view = { reachable, known: members.size, majority }
    this.cached = { view, at: now }
    return view
  }

  /** How long this peer has had its majority (0 without one; Infinity if it never lost it). */
  majorityForMs (): number {
    return this.view().majority ? this.clock() - this.majoritySince : 0
  }

  /**
   * The members now (this peer included): connected ones and those seen within the window. Reused
   * like `view()`: replica choice may lag a connection change by the time libp2p takes to tell.
   */
  members (): ReadonlySet<string> {
    if (this.cachedMembers !== undefined && this.current(this.cachedMembers.at)) return this.cachedMembers.set
    const now = this.clock()
    const out = new Set<string>([this.self])
    for (const id of this.connected()) if (!this.gone.has(id)) { out.add(id); this.lastSeen.set(id, now) }
    const windowMs = this.windowMs()
    for (const [id, at] of this.lastSeen) if (now - at <= windowMs) out.add(id)
    this.cachedMembers = { set: out, at: now }
    return out
  }

  /** The peers connected now, as of libp2p's last connect/disconnect event (retaken at least every second). */
  connectedIds (): ReadonlySet<string> {
    if (this.cachedConnected !== undefined && this.current(this.cachedConnected.at, CONNECTED_CACHE_MS)) return this.cachedConnected.set
    const set = new Set(this.connected())
    this.cachedConnected = { set, at: this.clock() }
    return set
  }

  /** Whether `peerId` has counted as a member (seen, connected or heard) and not said goodbye since. */
  knows (peerId: string): boolean {
    return this.lastSeen.has(peerId)
  }

  /** Members known, cheaply (not pruned of those past the window): sizes the liveness beat. */
  size (): number {
    return this.lastSeen.size + 1
  }

  /**
   * Whether a lease write may go out now. Always taken afresh: libp2p's disconnect event can come
   * after the connection is gone, and a cached view let a holder cut off by a split commit on its
   * own side (bench-partition smoke test: one duplicate commit).
   */
  hasMajority (): boolean {
    return this.fresh().majority
  }
}
