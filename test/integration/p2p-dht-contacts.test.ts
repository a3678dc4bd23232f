// Real organisation peers over TCP: kad-dht's routing table takes in the members this peer is
// connected to without pinging them, never dials a contact it only heard of, and makes room in a
// full bucket only by dropping contacts whose connection is gone (p2p/dht-contacts.ts).
import type { PeerId } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MCLibp2p } from '../../src/main/p2p/index.js'
import { waitFor } from '../helpers/cluster.js'
import { startMember } from '../helpers/p2p-member.js'

interface Table { size: number, find: (p: PeerId) => Promise<PeerId | undefined>, add: (p: PeerId) => Promise<void>, kb: { ping: (c: Array<{ peerId: PeerId }>) => AsyncGenerator<{ peerId: PeerId }> } }
const table = (n: MCLibp2p): Table => (n.services.dht as unknown as { routingTable: Table }).routingTable

describe('DHT routing table contacts', () => {
  let a: MCLibp2p
  let b: MCLibp2p
  let c: MCLibp2p
  /** Pings each peer sent (kad-dht checks a contact with the ping service). */
  const pings = new Map<MCLibp2p, number>()

  beforeAll(async () => {
    const orgKey = crypto.getRandomValues(new Uint8Array(32))
    ;[a, b, c] = await Promise.all([startMember(orgKey), startMember(orgKey), startMember(orgKey)])
    for (const n of [a, b, c]) {
      pings.set(n, 0)
      const service = n.services.ping
      const ping = service.ping.bind(service)
      service.ping = async (...args) => { pings.set(n, pings.get(n)! + 1); return await ping(...args) }
    }
  })

  afterAll(async () => {
    await Promise.all([a, b, c].map(async n => { await n?.stop() }))
  })

  it('adds a connected member to the table without pinging it', async () => {
    await a.dial(b.getMultiaddrs()[0]!)
    await waitFor('each in the other\'s routing table', async () => (await table(a).find(b.peerId)) !== undefined && (await table(b).find(a.peerId)) !== undefined, 10_000)
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(pings.get(a)).toBe(0)
    expect(pings.get(b)).toBe(0)
  })

  it('never dials a contact it is not connected to, and leaves it out of the table', async () => {
    // a knows c's address (as from a DHT reply) but holds no connection to it.
    await a.peerStore.merge(c.peerId, { multiaddrs: c.getMultiaddrs() })
    await table(a).add(c.peerId)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(a.getConnections(c.peerId)).toHaveLength(0)
    expect(await table(a).find(c.peerId)).toBeUndefined()
    expect(pings.get(a)).toBe(0)
  })

  it('drops an old contact from a full bucket only once its connection is gone', async () => {
    const dropped = async (): Promise<string[]> => {
      const out: string[] = []
      for await (const p of table(a).kb.ping([{ peerId: b.peerId }, { peerId: c.peerId }])) out.push(p.peerId.toString())
      return out
    }
    expect(await dropped()).toEqual([c.peerId.toString()])
    await a.hangUp(b.peerId)
    await waitFor('the connection to b gone', () => a.getConnections(b.peerId).length === 0, 10_000)
    expect((await dropped()).sort()).toEqual([b.peerId.toString(), c.peerId.toString()].sort())
    expect(pings.get(a)).toBe(0)
  })
})
