// The owner's allow and deny lists of peer ids. The organisation key decides who may connect at
// all; these lists shut out one member (a stolen laptop, a misbehaving desk) without rotating the
// key for everyone. One policy object answers both questions the peer asks: may this peer
// connect (the connection gater) and may records it signed count (record store, DHT, gossip).
import type { ConnectionGater, Libp2p, MultiaddrConnection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface PeerAccessLists {
  /** Peers refused whatever else holds; default none. */
  deny?: readonly string[]
  /** When non-empty, only these peers (and this one) are admitted; default none: every member. */
  allow?: readonly string[]
}

export class PeerAccess {
  private deny: ReadonlySet<string> = new Set()
  private allow: ReadonlySet<string> = new Set()

  constructor (private readonly self: string, lists: PeerAccessLists = {}) {
    this.set(lists)
  }

  /** Replaces both lists; callers close connections that are no longer admitted (closeRefused). */
  set (lists: PeerAccessLists): void {
    this.deny = new Set(lists.deny ?? [])
    this.allow = new Set(lists.allow ?? [])
  }

  lists (): { deny: string[], allow: string[] } {
    return { deny: [...this.deny], allow: [...this.allow] }
  }

  /** Whether `peerId` may connect and its records may count. This peer always may. */
  admits (peerId: string): boolean {
    if (peerId === this.self) return true
    if (this.deny.has(peerId)) return false
    return this.allow.size === 0 || this.allow.has(peerId)
  }

  /**
   * A libp2p connection gater refusing every peer not admitted before any protocol runs on its
   * connection (TCP, relayed and WebRTC connections all pass the encrypted-connection check),
   * and refusing to relay for it. `inner` (a test or bench gater) is asked too.
   */
  gater (inner: ConnectionGater = {}): ConnectionGater {
    const refused = (...peers: PeerId[]): boolean => peers.some(p => !this.admits(p.toString()))
    const ask = async <A extends unknown[]>(check: ((...args: A) => boolean | Promise<boolean>) | undefined, ...args: A): Promise<boolean> =>
      check === undefined ? false : (await check.apply(inner, args)) === true
    return {
      denyDialPeer: async (peer: PeerId) => refused(peer) || await ask(inner.denyDialPeer, peer),
      denyDialMultiaddr: async (addr: Multiaddr) => await ask(inner.denyDialMultiaddr, addr),
      denyInboundConnection: async (conn: MultiaddrConnection) => await ask(inner.denyInboundConnection, conn),
      denyOutboundConnection: async (peer: PeerId, conn: MultiaddrConnection) => refused(peer) || await ask(inner.denyOutboundConnection, peer, conn),
      denyInboundEncryptedConnection: async (peer: PeerId, conn: MultiaddrConnection) => refused(peer) || await ask(inner.denyInboundEncryptedConnection, peer, conn),
      denyOutboundEncryptedConnection: async (peer: PeerId, conn: MultiaddrConnection) => refused(peer) || await ask(inner.denyOutboundEncryptedConnection, peer, conn),
      denyInboundUpgradedConnection: async (peer: PeerId, conn: MultiaddrConnection) => refused(peer) || await ask(inner.denyInboundUpgradedConnection, peer, conn),
      denyOutboundUpgradedConnection: async (peer: PeerId, conn: MultiaddrConnection) => refused(peer) || await ask(inner.denyOutboundUpgradedConnection, peer, conn),
      denyInboundRelayReservation: async (source: PeerId) => refused(source) || await ask(inner.denyInboundRelayReservation, source),
      denyOutboundRelayedConnection: async (source: PeerId, destination: PeerId) =>
        refused(source, destination) || await ask(inner.denyOutboundRelayedConnection, source, destination),
      denyInboundRelayedConnection: async (relay: PeerId, remote: PeerId) => refused(relay, remote) || await ask(inner.denyInboundRelayedConnection, relay, remote),
      // the address book keeps a refused peer's addresses: lifting the deny must not lose them
      ...(inner.filterMultiaddrForPeer === undefined ? {} : { filterMultiaddrForPeer: async (peer: PeerId, addr: Multiaddr) => await ask(inner.filterMultiaddrForPeer, peer, addr) })
    }
  }

  /** Hangs up on every connected peer no longer admitted (after set()); returns their ids. */
  async closeRefused (node: Pick<Libp2p, 'getPeers' | 'hangUp'>): Promise<string[]> {
    const refused = node.getPeers().filter(p => !this.admits(p.toString()))
    await Promise.all(refused.map(async p => { await node.hangUp(p).catch(() => {}) }))
    return refused.map(p => p.toString())
  }
}
