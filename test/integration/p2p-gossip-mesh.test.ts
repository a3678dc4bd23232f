// Real organisation peers over TCP: a peer connected to every member it knows keeps no gossip
// mesh (flood publish already brings it every record first-hand), a peer that misses one grafts a
// mesh and gets that member's records forwarded, and once it reaches everyone the mesh goes
// (p2p/gossip-mesh.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PeerId } from '@libp2p/interface'
import { GossipMesh, type MCLibp2p, type P2PConfig } from '../../src/main/p2p/index.js'
import { waitFor } from '../helpers/cluster.js'
import { startMember } from '../helpers/p2p-member.js'

const TOPIC = 'mc-test-mesh'

describe('gossip mesh only where a member is missed', () => {
  let a: MCLibp2p
  let b: MCLibp2p
  let c: MCLibp2p
  const meshes: GossipMesh[] = []
  const received = new Map<MCLibp2p, string[]>()
  let acAllowed = false

  const connected = (x: MCLibp2p, y: MCLibp2p): boolean => x.getConnections(y.peerId).length > 0
  const meshOf = (x: MCLibp2p): string[] => x.services.pubsub.getMeshPeers(TOPIC).map(String).sort()
  const publish = async (from: MCLibp2p, text: string): Promise<void> => { await from.services.pubsub.publish(TOPIC, new TextEncoder().encode(text)) }

  beforeAll(async () => {
    const orgKey = crypto.getRandomValues(new Uint8Array(32))
    // a and c may not connect (kad-dht's walks would otherwise introduce them) until the second test.
    const apart = (other: () => MCLibp2p | undefined): Partial<P2PConfig> => {
      const deny = (p: PeerId): boolean => !acAllowed && other()?.peerId.equals(p) === true
      return { connectionGater: { denyDialPeer: deny, denyInboundEncryptedConnection: deny, denyOutboundEncryptedConnection: deny } }
    }
    ;[a, b, c] = await Promise.all([startMember(orgKey, apart(() => c)), startMember(orgKey), startMember(orgKey, apart(() => a))])
    // All three are members everyone knows of; a and c start without a connection to each other.
    const knows = new Map([[a, [b, c]], [b, [a, c]], [c, [a, b]]])
    for (const n of [a, b, c]) {
      received.set(n, [])
      n.services.pubsub.addEventListener('message', evt => { received.get(n)!.push(new TextDecoder().decode(evt.detail.data)) })
      n.services.pubsub.subscribe(TOPIC)
      const mesh = new GossipMesh(n.services.pubsub, () => knows.get(n)!.every(m => connected(n, m)))
      mesh.start()
      meshes.push(mesh)
    }
    await a.dial(b.getMultiaddrs()[0]!)
    await b.dial(c.getMultiaddrs()[0]!)
    await waitFor('subscriptions exchanged', () => a.services.pubsub.getSubscribers(TOPIC).length === 1 && b.services.pubsub.getSubscribers(TOPIC).length === 2 && c.services.pubsub.getSubscribers(TOPIC).length === 1, 10_000)
  })

  afterAll(async () => {
    for (const m of meshes) m.stop()
    await Promise.all([a, b, c].map(async n => { await n?.stop() }))
  })

  it('a peer that misses a member grafts a mesh, and gets that member\'s records forwarded', async () => {
    expect(connected(a, c)).toBe(false)
    await waitFor('a and c graft b', () => meshOf(a).includes(b.peerId.toString()) && meshOf(c).includes(b.peerId.toString()), 30_000)
    // b reaches everyone and grafts nobody itself, but accepts both grafts (once their GRAFTs arrive).
    await waitFor('b accepts both grafts', () => meshOf(b).length === 2, 5000)
    expect(meshOf(b)).toEqual([a.peerId.toString(), c.peerId.toString()].sort())
    await publish(c, 'from c, not connected to a')
    await waitFor('a gets c\'s record through b', () => received.get(a)!.includes('from c, not connected to a'), 5000)
    expect(received.get(b)).toContain('from c, not connected to a')
  })

  it('once every peer reaches every member, no mesh is left and records still arrive first-hand', async () => {
    acAllowed = true
    await a.dial(c.getMultiaddrs()[0]!)
    await waitFor('a and c subscribed to each other', () => a.services.pubsub.getSubscribers(TOPIC).length === 2 && c.services.pubsub.getSubscribers(TOPIC).length === 2, 10_000)
    await waitFor('every mesh dropped', () => meshOf(a).length === 0 && meshOf(b).length === 0 && meshOf(c).length === 0, 10_000)
    // A few more heartbeats: nobody grafts again while complete.
    await new Promise(resolve => setTimeout(resolve, 2500))
    expect([meshOf(a), meshOf(b), meshOf(c)]).toEqual([[], [], []])
    await publish(c, 'from c, flood only')
    await publish(a, 'from a, flood only')
    await waitFor('both records delivered to every other peer', () =>
      received.get(a)!.includes('from c, flood only') && received.get(b)!.includes('from c, flood only') &&
      received.get(b)!.includes('from a, flood only') && received.get(c)!.includes('from a, flood only'), 5000)
  })
})
