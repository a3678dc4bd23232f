// Issue 7: a member that gossips forged or malformed records gets them rejected (not delivered,
// not forwarded) and its gossipsub score lowered, so enough of them cut it off from gossip; a
// member sending genuine records keeps a neutral score (p2p/gossip-score.ts, peer/gossip.ts).
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromString } from 'uint8arrays'
import { nodeLeaseKey, TOPIC_NODES, TOPIC_TASKS } from '../../src/shared/index.js'
import type { MCLibp2p } from '../../src/main/p2p/index.js'
import { GossipChannel } from '../../src/main/peer/gossip.js'
import { signRecord, type OpenedRecord, type RecordStore } from '../../src/main/records/index.js'
import { waitFor } from '../helpers/cluster.js'
import { startMember } from '../helpers/p2p-member.js'

describe('gossip validation', () => {
  let honest: MCLibp2p
  let spammer: MCLibp2p
  let receiver: MCLibp2p
  let channel: GossipChannel
  let honestKey: PrivateKey
  let spammerKey: PrivateKey
  const taken: OpenedRecord[] = []

  beforeAll(async () => {
    const orgKey = crypto.getRandomValues(new Uint8Array(32))
    ;[honestKey, spammerKey] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
    ;[honest, spammer, receiver] = await Promise.all([startMember(orgKey, { privateKey: honestKey }), startMember(orgKey, { privateKey: spammerKey }), startMember(orgKey)])
    // what GossipChannel asks of the record store: is the signer shut out, and keep this record
    const records = { admits: () => true, remember: (rec: OpenedRecord) => { taken.push(rec); return true } } as unknown as RecordStore
    channel = new GossipChannel(receiver, records)
    channel.start()
    for (const n of [honest, spammer]) {
      n.services.pubsub.subscribe(TOPIC_TASKS)
      n.services.pubsub.subscribe(TOPIC_NODES)
      await n.dial(receiver.getMultiaddrs()[0]!)
    }
    await waitFor('subscriptions exchanged', () => [honest, spammer].every(n => n.services.pubsub.getSubscribers(TOPIC_NODES).length >= 1) &&
      receiver.services.pubsub.getSubscribers(TOPIC_NODES).length === 2, 10_000)
  })

  afterAll(async () => {
    channel?.stop()
    await Promise.all([honest, spammer, receiver].map(async n => { await n?.stop() }))
  })

  const scoreOf = (n: MCLibp2p): number => receiver.services.pubsub.getScore(n.peerId.toString())

  it('takes a genuine record and leaves its sender\'s score alone', async () => {
    const key = nodeLeaseKey(honest.peerId.toString())
    const bytes = await signRecord(honestKey, honest.peerId.toString(), key, { v: 1, peerId: honest.peerId.toString(), seq: 1, ttlMs: 3000 })
    await honest.services.pubsub.publish(TOPIC_NODES, bytes)
    await waitFor('record taken', () => taken.some(r => r.key === key), 5000)
    expect(scoreOf(honest)).toBe(0)
  })

  it('rejects forged, malformed and wrong-topic records and lowers the sender\'s score', async () => {
    const mallory = await generateKeyPair('Ed25519')
    const victim = honest.peerId.toString()
    const mallorySays = peerIdFromPrivateKey(mallory).toString()
    // distinct bytes each time: gossipsub ids are content hashes, and a repeat is only a duplicate
    for (let i = 0; i < 6; i++) {
      const lease = { v: 1, peerId: victim, seq: 100 + i, ttlMs: 3000 }
      const forgeries = [
        fromString(`not a record ${i}`),
        // signed by another key in the victim's name
        await signRecord(mallory, victim, nodeLeaseKey(victim), lease),
        // honestly signed, but for a key its signer may not write
        await signRecord(mallory, mallorySays, nodeLeaseKey(victim), lease)
      ]
      for (const f of forgeries) await spammer.services.pubsub.publish(TOPIC_NODES, f)
    }
    // a genuine node record on the tasks topic is rejected too
    const own = await signRecord(spammerKey, spammer.peerId.toString(), nodeLeaseKey(spammer.peerId.toString()), { v: 1, peerId: spammer.peerId.toString(), seq: 1, ttlMs: 3000 })
    await spammer.services.pubsub.publish(TOPIC_TASKS, own)
    // 19 invalid records: penalty 19² (decaying), far below gossipsub's graylist threshold (-80)
    await waitFor('spammer penalised', () => scoreOf(spammer) < -80, 10_000)
    expect(taken.some(r => r.signer !== honest.peerId.toString())).toBe(false)
    expect(scoreOf(honest)).toBe(0)
  })
})
