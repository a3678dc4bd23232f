// A peer's deny list with real peers: records signed by a denied peer are ignored even when a
// member that does not deny it passes them on (gossip, DHT put, DHT read), and a list changed
// through the API applies at once (hang-up, then refusal) without a restart.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromString } from 'uint8arrays'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateKey } from '@libp2p/interface'
import { nodeLeaseKey, PROTOCOL_VERSION, TOPIC_NODES } from '../../src/shared/index.js'
import { signRecord } from '../../src/main/records/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

interface Signer { key: PrivateKey, id: string }
const newSigner = async (): Promise<Signer> => {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}
/** A node lease signed by `s`: a sign of life that, once accepted, makes `s` count as a member. */
const leaseBytes = async (s: Signer): Promise<Uint8Array> =>
  await signRecord(s.key, s.id, nodeLeaseKey(s.id), { v: PROTOCOL_VERSION, peerId: s.id, seq: Date.now(), ttlMs: 600_000 })

/** `relay` stores `bytes` and sends them to the replicas; did `to` acknowledge? */
async function putReachedBy (relay: Peer, key: string, bytes: Uint8Array, to: Peer): Promise<boolean> {
  let acked = false
  try {
    for await (const ev of relay.node.services.dht.put(fromString(key), bytes, { signal: AbortSignal.timeout(5_000) })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE' && ev.record != null && ev.from.equals(to.node.peerId)) acked = true
    }
  } catch { /* a refusing replica resets its stream */ }
  return acked
}

describe('a denied peer\'s records, relayed by a member', () => {
  let cluster: Cluster
  let mallory: Signer
  let stranger: Signer
  beforeAll(async () => {
    mallory = await newSigner()
    stranger = await newSigner()
    // peer-0 denies mallory; peer-1 denies nobody and passes everything on
    cluster = await startCluster(2, i => i === 0 ? { denyPeers: [mallory.id], leaseTtlMs: 600_000 } : { leaseTtlMs: 600_000 })
  })
  afterAll(async () => { await cluster?.stop() })

  it('are ignored over gossip while an admitted signer\'s are taken', async () => {
    const [alice, bob] = cluster.peers as [Peer, Peer]
    await waitFor('gossip between the two', () => alice.node.services.pubsub.getSubscribers(TOPIC_NODES).some(p => p.equals(bob.node.peerId)), 20_000)
    await bob.node.services.pubsub.publish(TOPIC_NODES, await leaseBytes(mallory))
    await bob.node.services.pubsub.publish(TOPIC_NODES, await leaseBytes(stranger))
    await waitFor('the admitted record', () => alice.records.cached(nodeLeaseKey(stranger.id)) !== undefined, 10_000)
    expect(alice.records.cached(nodeLeaseKey(mallory.id))).toBeUndefined()
    expect(alice.membership.members().has(mallory.id)).toBe(false)
    expect(alice.membership.members().has(stranger.id)).toBe(true)
  })

  it('get no acknowledgement from its DHT replica and are never read back from another', async () => {
    const [alice, bob] = cluster.peers as [Peer, Peer]
    const key = nodeLeaseKey(mallory.id)
    expect(await putReachedBy(bob, key, await leaseBytes(mallory), alice)).toBe(false)
    expect(await putReachedBy(bob, nodeLeaseKey(stranger.id), await leaseBytes(stranger), alice)).toBe(true)
    // bob holds mallory's record as a replica; alice's read asks bob and still selects nothing
    const read = await alice.records.get(key)
    expect(read.best).toBeUndefined()
    expect(read.copies).toHaveLength(0)
    expect((await alice.records.get(nodeLeaseKey(stranger.id))).best?.signer).toBe(stranger.id)
  })

  it('a list changed through the API applies at once: hang-up, refusal, its records dropped; lifting it lets the peer back', async () => {
    const [alice, bob] = cluster.peers as [Peer, Peer]
    await waitFor('alice and bob connected', () => alice.node.getConnections(bob.node.peerId).length > 0, 10_000)
    const view = await alice.updateConfig({ denyPeers: [mallory.id, bob.peerId] })
    expect(view).toMatchObject({ denyPeers: [mallory.id, bob.peerId], allowPeers: [], restartRequired: false, accessInForce: { deny: [mallory.id, bob.peerId], allow: [] } })
    await waitFor('bob hung up on', () => alice.node.getConnections(bob.node.peerId).length === 0 && bob.node.getConnections(alice.node.peerId).length === 0, 10_000)
    const conn = await bob.node.dial(alice.node.getMultiaddrs()[0]!).catch(() => undefined)
    await waitFor('bob kept out', () => conn?.status !== 'open' && alice.node.getConnections(bob.node.peerId).length === 0, 10_000)
    // bob's own records, already known, no longer count, nor does bob as a member
    expect(alice.records.cached(nodeLeaseKey(bob.peerId))).toBeUndefined()
    expect(alice.membership.members().has(bob.peerId)).toBe(false)

    // clearing the saved list leaves what the command line gave (alice started with mallory denied)
    expect((await alice.updateConfig({ denyPeers: [] })).accessInForce).toEqual({ deny: [mallory.id], allow: [] })
    expect((await bob.node.dial(alice.node.getMultiaddrs()[0]!)).status).toBe('open')
  })
})
