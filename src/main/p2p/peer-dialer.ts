// libp2p 3 does not dial the peers it discovers. In an organisation every member should reach
// every other (the DHT is small and the gossip mesh wants direct links), so discovered members
// are dialled, a few at a time, up to a bound. A peer reachable only through a relay is dialled
// over its circuit address, and the WebRTC upgrader then makes the link direct.
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { MCLibp2p } from './create-p2p.js'
import { connectedPeerIds } from './connected-peers.js'
import { DIAL_TIMEOUT_MS } from './constants.js'

/** Members whose stored addresses are remembered (a bound: peer ids are cheap to invent). */
const MAX_REMEMBERED = 10_000

export interface PeerDialerInit {
  /** Stop dialling new peers once this many are connected. Default 100. */
  maxPeers?: number
  /** Dials in flight at once (dialling everyone at once overwhelms a small machine: handshakes time out and are redone). Default 2. */
  concurrency?: number
  /** How long the member with the larger id waits for the other's dial before dialling itself. Default 5 s. */
  yieldMs?: number
  /**
   * A bound on dials shared with the other peers of this process. A desktop runs one peer and
   * needs none; a testbed of many peers per process does: each peer's own bound of 2 still made
   * 50 handshakes at once per worker of 25 peers, half of them cut off at the address limit and
   * redone (bench scale, 100 agents). Default none.
   */
  shared?: { acquire: () => Promise<() => void> }
}

export class PeerDialer {
  private readonly queue: Array<{ peer: PeerId, addrs: Multiaddr[] }> = []
  private readonly queued = new Set<string>()
  private inFlight = 0
  private stopped = true
  private readonly maxPeers: number
  private readonly concurrency: number
  private readonly yieldMs: number
  private readonly shared: PeerDialerInit['shared']
  private readonly deferred = new Set<ReturnType<typeof setTimeout>>()
  /** The addresses last stored per member (see rememberAddrs). */
  private readonly stored = new Map<string, string>()
  private readonly onDiscovery = (evt: CustomEvent<{ id: PeerId }>): void => { this.enqueue(evt.detail.id) }

  constructor (private readonly node: MCLibp2p, init: PeerDialerInit = {}) {
    this.maxPeers = init.maxPeers ?? 100
    this.concurrency = init.concurrency ?? 2
    this.yieldMs = init.yieldMs ?? 5000
    this.shared = init.shared
  }

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.node.addEventListener('peer:discovery', this.onDiscovery)
    this.node.addEventListener('peer:connect', this.onConnect)
    this.timer = setInterval(() => { this.lookupSoon() }, this.lookupEveryMs)
  }

  stop (): void {
    this.stopped = true
    this.node.removeEventListener('peer:discovery', this.onDiscovery)
    this.node.removeEventListener('peer:connect', this.onConnect)
    clearInterval(this.timer)
    clearTimeout(this.lookupTimer)
    for (const t of this.deferred) clearTimeout(t)
    this.deferred.clear()
    this.queue.length = 0
    this.queued.clear()
  }

  // Records go straight to known replicas in a small network (records/direct-replicas), so the
  // DHT walks that would otherwise reveal new members rarely run: walk towards our own id when a
  // peer arrives (it may know others) and every few minutes, and dial whoever answers.
  private readonly onConnect = (): void => { this.lookupSoon() }
  private timer: ReturnType<typeof setInterval> | undefined
  private lookupTimer: ReturnType<typeof setTimeout> | undefined
  private readonly lookupEveryMs = 120_000

  private lastLookupAt = -Infinity

  // At most one walk per 30 s: with dozens of peers, connections come and go all the time
  // (kad-dht checks its contacts), and a walk per arrival kept every peer busy.
  private lookupSoon (): void {
    if (this.stopped || this.lookupTimer !== undefined) return
    const wait = Math.max(1000, this.lastLookupAt + 30_000 - performance.now())
    this.lookupTimer = setTimeout(() => {
      this.lastLookupAt = performance.now()
      void this.lookup().finally(() => { this.lookupTimer = undefined })
    }, wait)
  }

  private async lookup (): Promise<void> {
    try {
      const self = this.node.peerId.toMultihash().bytes
      for await (const ev of this.node.services.dht.getClosestPeers(self, { signal: AbortSignal.timeout(15_000) })) {
        if (ev.name === 'FINAL_PEER') this.enqueue(ev.peer.id)
        else if (ev.name === 'PEER_RESPONSE') for (const p of ev.closer) this.enqueue(p.id)
      }
    } catch { /* no peers yet, or the walk timed out: the next arrival tries again */ }
  }

  /**
   * Dials `peer` (at `addrs` when given, e.g. from its gossiped meta) unless already connected.
   * Two members usually learn of each other at the same moment (a walk, a meta), and when both
   * dialled, each pair held two connections (bench scale: 27.6 per peer among 20), each with its
   * own handshake, identify and gossip streams. The member with the smaller id dials at once; the
   * other waits `yieldMs` and dials only if no connection came in meanwhile. A peer connected to
   * nobody never waits: a bootstrap peer it was told of does not know of it.
   */
  enqueue (peer: PeerId, addrs: Multiaddr[] = []): void {
    const id = peer.toString()
    if (this.stopped || peer.equals(this.node.peerId)) return
    this.rememberAddrs(peer, addrs)
    if (this.queued.has(id) || this.node.getConnections(peer).length > 0) return
    this.queued.add(id)
    const push = (): void => {
      if (this.stopped) return
      this.queue.push({ peer, addrs })
      this.pump()
    }
    if (id < this.node.peerId.toString() && this.node.getConnections().length > 0) {
      const timer = setTimeout(() => { this.deferred.delete(timer); push() }, this.yieldMs)
      this.deferred.add(timer)
    } else push()
  }

  /**
   * Keeps a member's gossiped addresses in the peer store. Replica reads and writes reach members
   * by peer id; for one with no stored address libp2p looks it up with a DHT walk first, and while
   * 100 peers met each other those walks were most of the dials (bench scale). Stored again only
   * when the addresses change.
   */
  private rememberAddrs (peer: PeerId, addrs: Multiaddr[]): void {
    if (addrs.length === 0) return
    const id = peer.toString()
    const key = addrs.map(a => a.toString()).join(' ')
    if (this.stored.get(id) === key) return
    if (this.stored.size >= MAX_REMEMBERED) this.stored.delete(this.stored.keys().next().value!)
    this.stored.set(id, key)
    void this.node.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => { this.stored.delete(id) })
  }

  /** Members queued, waiting their turn to dial (see enqueue) or being dialled: ones this peer knows of and does not reach yet. */
  pending (): number {
    return this.queued.size
  }

  private async dialOne (peer: PeerId, addrs: Multiaddr[]): Promise<void> {
    const release = await this.shared?.acquire()
    try {
      // connected meanwhile (the other side dialled while this one waited its turn)
      if (this.stopped || this.node.getConnections(peer).length > 0) return
      await this.node.dial(addrs.length > 0 ? addrs : peer, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS + 10_000) }).catch(() => {})
    } finally {
      release?.()
    }
  }

  private pump (): void {
    while (!this.stopped && this.inFlight < this.concurrency && this.queue.length > 0) {
      const { peer, addrs } = this.queue.shift()!
      if (connectedPeerIds(this.node).size >= this.maxPeers || this.node.getConnections(peer).length > 0) {
        this.queued.delete(peer.toString())
        continue
      }
      this.inFlight++
      void this.dialOne(peer, addrs).finally(() => {
        this.inFlight--
        this.queued.delete(peer.toString())
        this.pump()
      })
    }
  }
}
