import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PeerDialer } from './peer-dialer.js'
import type { MCLibp2p } from './create-p2p.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** A node whose dials are recorded and whose connections the test opens (as an inbound dial would). */
function fakeNode (self: PeerId) {
  const connected = new Set<string>()
  const dialled: string[] = []
  const stored: Array<{ peer: string, addrs: string[] }> = []
  const node = {
    peerStore: { merge: async (peer: PeerId, data: { multiaddrs: Array<{ toString: () => string }> }) => { stored.push({ peer: peer.toString(), addrs: data.multiaddrs.map(a => a.toString()) }) } },
    peerId: self,
    addEventListener: () => {},
    removeEventListener: () => {},
    getConnections: (peer?: PeerId) => [...connected].filter(id => peer === undefined || id === peer.toString()).map(id => ({ remotePeer: { toString: () => id } })),
    dial: async (target: PeerId) => { dialled.push(target.toString()); connected.add(target.toString()) },
    services: { dht: { getClosestPeers: async function * () {} } }
  }
  return { node: node as unknown as MCLibp2p, connected, dialled, stored }
}

describe('PeerDialer', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  // Sorted so that `low` < `self` < `high` as strings: the order both ends compare.
  async function peers (): Promise<{ low: PeerId, self: PeerId, high: PeerId }> {
    const [low, self, high] = (await Promise.all([newPeer(), newPeer(), newPeer()])).sort((a, b) => a.toString() < b.toString() ? -1 : 1)
    return { low: low!, self: self!, high: high! }
  }

  /** A started dialer on a fake node, connected to `high` unless `alone` (only a connected peer ever yields). */
  async function started (opts: { alone?: boolean } = {}) {
    const ids = await peers()
    const fake = fakeNode(ids.self)
    if (opts.alone !== true) fake.connected.add(ids.high.toString())
    const dialer = new PeerDialer(fake.node, { yieldMs: 5000 })
    dialer.start()
    return { ...ids, ...fake, dialer }
  }

  it('dials a member with a larger id at once', async () => {
    const { high, dialled, dialer } = await started({ alone: true })
    dialer.enqueue(high)
    await vi.advanceTimersByTimeAsync(0)
    expect(dialled).toEqual([high.toString()])
    dialer.stop()
  })

  it('a peer connected to nobody dials a member with a smaller id at once (a bootstrap peer does not know of it)', async () => {
    const { low, dialled, dialer } = await started({ alone: true })
    dialer.enqueue(low)
    await vi.advanceTimersByTimeAsync(0)
    expect(dialled).toEqual([low.toString()])
    dialer.stop()
  })

  it('leaves the dial to a member with a smaller id, and dials itself only if no connection came', async () => {
    const { low, dialled, dialer } = await started()
    dialer.enqueue(low)
    await vi.advanceTimersByTimeAsync(4900)
    expect(dialled).toEqual([])
    await vi.advanceTimersByTimeAsync(200)
    expect(dialled).toEqual([low.toString()])
    dialer.stop()
  })

  it('does not dial a member whose own dial arrived while this one waited', async () => {
    const { low, connected, dialled, dialer } = await started()
    dialer.enqueue(low)
    await vi.advanceTimersByTimeAsync(1000)
    connected.add(low.toString())
    await vi.advanceTimersByTimeAsync(10_000)
    expect(dialled).toEqual([])
    dialer.stop()
  })

  it('stores a member\'s gossiped addresses once, and again when they change, connected or not (replica requests dial by id)', async () => {
    const { low, high, stored, dialer } = await started()
    const at = (port: number): Multiaddr => multiaddr(`/ip4/127.0.0.1/tcp/${port}`)
    dialer.enqueue(high, [at(4001)])
    dialer.enqueue(high, [at(4001)])
    dialer.enqueue(low, [at(4002)])
    dialer.enqueue(high, [at(4003)])
    dialer.enqueue(low)
    expect(stored).toEqual([
      { peer: high.toString(), addrs: ['/ip4/127.0.0.1/tcp/4001'] },
      { peer: low.toString(), addrs: ['/ip4/127.0.0.1/tcp/4002'] },
      { peer: high.toString(), addrs: ['/ip4/127.0.0.1/tcp/4003'] }
    ])
    dialer.stop()
  })

  it('dials nothing after stop, even what was waiting', async () => {
    const { low, dialled, dialer } = await started()
    dialer.enqueue(low)
    dialer.stop()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(dialled).toEqual([])
  })

  it('two dialers sharing a bound of one dial in flight take turns, and skip a member that connected meanwhile', async () => {
    vi.useRealTimers()
    const { Slots } = await import('../peer/slots.js')
    const shared = new Slots(1)
    let inFlight = 0
    let most = 0
    const make = async () => {
      const self = await newPeer()
      const fake = fakeNode(self)
      fake.node.dial = (async (target: PeerId) => {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise(resolve => setTimeout(resolve, 20))
        inFlight--
        fake.dialled.push(target.toString())
        fake.connected.add(target.toString())
      }) as unknown as MCLibp2p['dial']
      const dialer = new PeerDialer(fake.node, { shared, concurrency: 2 })
      dialer.start()
      return { ...fake, dialer }
    }
    const [a, b] = await Promise.all([make(), make()])
    const targets = await Promise.all([newPeer(), newPeer(), newPeer()])
    for (const t of targets) { a.dialer.enqueue(t); b.dialer.enqueue(t) }
    // b reaches the last target another way while it waits for its turn
    b.connected.add(targets[2]!.toString())
    await vi.waitFor(() => { expect(a.dialled.length + b.dialled.length).toBe(5) }, { timeout: 2000 })
    expect(most).toBe(1)
    expect(b.dialled).not.toContain(targets[2]!.toString())
    a.dialer.stop()
    b.dialer.stop()
  })
})
