// Peers that cannot be dialled (no TCP listener, like a desktop behind NAT) meet through any
// member acting as a relay and then talk over a direct WebRTC connection; outsiders cannot even
// reach the relay. Also: DHT replicas never roll back to a stale record.
import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { fromString, toString } from 'uint8arrays'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createP2P } from '../../src/main/p2p/index.js'
import type { MCLibp2p } from '../../src/main/p2p/index.js'
import type { Connection, PeerId } from '@libp2p/interface'
import type { SelectFn } from '@libp2p/kad-dht'
import type { Multiaddr } from '@multiformats/multiaddr'

const TCP = ['/ip4/127.0.0.1/tcp/0']
const UNREACHABLE = ['/p2p-circuit', '/webrtc']
const largest: SelectFn = (_key, records) => {
  let best = 0
  records.forEach((r, i) => { if (toString(r) > toString(records[best]!)) best = i })
  return best
}

const orgKey = new Uint8Array(randomBytes(32))
const otherKey = new Uint8Array(randomBytes(32))
const running: MCLibp2p[] = []

async function peer (listen: string[], key = orgKey): Promise<MCLibp2p> {
  const node = await createP2P({
    privateKey: await generateKeyPair('Ed25519'),
    listen,
    bootstrap: [],
    orgKey: key,
    mdns: false,
    iceServers: [],
    validators: { mc: async () => {} },
    selectors: { mc: largest }
  })
  await node.start()
  running.push(node)
  return node
}

async function waitFor<T> (check: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const result = await check()
    if (result !== undefined && result !== false) return result
    if (Date.now() > deadline) throw new Error('timed out waiting for condition')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const isDirectWebRTC = (c: Connection): boolean => c.remoteAddr.toString().includes('/webrtc') && c.limits == null && c.status === 'open'
const circuitAddr = (node: MCLibp2p): Multiaddr | undefined =>
  node.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit') && !ma.toString().includes('/webrtc'))

afterAll(async () => { await Promise.all(running.map(async n => n.stop())) })

describe('relay and WebRTC upgrade', () => {
  let relay: MCLibp2p, a: MCLibp2p, b: MCLibp2p

  beforeAll(async () => {
    relay = await peer(TCP)
    a = await peer(UNREACHABLE)
    b = await peer(UNREACHABLE)
    await a.dial(relay.getMultiaddrs()[0]!)
    await b.dial(relay.getMultiaddrs()[0]!)
  })

  it('two unreachable members meet through a relay and switch to a direct WebRTC connection', async () => {
    // b holds a reservation on the relay once it advertises a circuit address
    const bViaRelay = await waitFor(() => circuitAddr(b))
    expect(b.getMultiaddrs().some(ma => ma.toString().endsWith(`/p2p-circuit/webrtc/p2p/${b.peerId.toString()}`))).toBe(true)

    const relayed = await a.dial(bViaRelay)
    expect(relayed.limits).toBeDefined()

    // The upgrade (ICE and DTLS over loopback) took over 20 s once while the rest of the suite
    // loaded both cores; give it the time a loaded desktop might need.
    const direct = await waitFor(() => a.getConnections(b.peerId).find(isDirectWebRTC), 60_000)
    expect(direct.remoteAddr.toString()).toContain('/webrtc')
    expect(direct.limits).toBeUndefined()
    await waitFor(() => b.getConnections(a.peerId).find(isDirectWebRTC), 30_000)

    // the direct connection carries protocols that refuse limited (relayed) connections
    // (kad-dht pings a new contact itself, and ping allows one outbound stream per connection:
    // when the two collide, ours is refused with TooManyOutboundProtocolStreams, so try again)
    const ping = async (): Promise<number> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(5_000) })
        } catch (err: any) {
          if (err?.name !== 'TooManyOutboundProtocolStreamsError' || attempt >= 5) throw err
          await new Promise(resolve => setTimeout(resolve, 200))
        }
      }
    }
    const rtt = await ping()
    expect(rtt).toBeGreaterThanOrEqual(0)
  })

  it('an outsider can reach neither the relay nor the members behind it', async () => {
    const outsider = await peer(UNREACHABLE, otherKey)
    const bWebRTC = b.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit/webrtc'))!
    await expect(outsider.dial(relay.getMultiaddrs()[0]!)).rejects.toThrow()
    await expect(outsider.dial(circuitAddr(b)!)).rejects.toThrow()
    await expect(outsider.dial(bWebRTC)).rejects.toThrow()
    await waitFor(() => outsider.getConnections().length === 0 &&
      [relay, a, b].every(n => n.getConnections(outsider.peerId).length === 0), 5_000)
    expect(b.getConnections(outsider.peerId)).toHaveLength(0)
  })
})

describe('stale DHT records', () => {
  const nodes: MCLibp2p[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => n.stop())) })

  async function connect (from: MCLibp2p, to: MCLibp2p): Promise<void> {
    await from.dial(to.getMultiaddrs()[0]!)
  }

  /** Waits until `node`'s DHT routing table knows `peers` (closest-peer queries find them). */
  async function knows (node: MCLibp2p, peers: PeerId[]): Promise<void> {
    await waitFor(async () => {
      const found = new Set<string>()
      for await (const event of node.services.dht.getClosestPeers(fromString('probe'), { signal: AbortSignal.timeout(5_000) })) {
        if (event.name === 'FINAL_PEER') found.add(event.peer.id.toString())
      }
      return peers.every(p => found.has(p.toString()))
    })
  }

  async function putAcks (node: MCLibp2p, key: Uint8Array, value: string): Promise<PeerId[]> {
    const acks: PeerId[] = []
    for await (const event of node.services.dht.put(key, fromString(value))) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') acks.push(event.from)
    }
    return acks
  }

  it('a stale put gets no acknowledgement and every peer still reads the newer record', async () => {
    const [p1, p2] = [await peer(TCP), await peer(TCP)]
    nodes.push(p1, p2)
    await connect(p1, p2)
    await knows(p1, [p2.peerId])
    const key = fromString('/mc/task/t1/state')

    expect((await putAcks(p1, key, 'v2')).map(String)).toEqual([p2.peerId.toString()])

    // p3 joins late, never saw v2, and writes the older v1 straight to the replicas
    const p3 = await peer(TCP)
    nodes.push(p3)
    await connect(p3, p1)
    await connect(p3, p2)
    await knows(p3, [p1.peerId, p2.peerId])
    expect(await putAcks(p3, key, 'v1')).toHaveLength(0)

    for (const reader of [p1, p2, p3]) {
      const copies = new Map<string, string>()
      let selected: string | undefined
      for await (const event of reader.services.dht.get(key)) {
        if (event.name === 'PEER_RESPONSE' && event.record != null) copies.set(event.from.toString(), toString(event.record.value))
        if (event.name === 'VALUE') selected = toString(event.value)
      }
      expect(selected).toBe('v2')
      // the replicas p1 and p2 kept v2 (p3 is corrected to v2 by the first read)
      for (const replica of [p1, p2]) {
        if (!replica.peerId.equals(reader.peerId)) expect(copies.get(replica.peerId.toString())).toBe('v2')
      }
    }
  })
})
