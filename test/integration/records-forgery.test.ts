// Real peers refuse forged and stale records: a forger gets no acknowledgement from any replica,
// and no reader is ever handed the forgery (DESIGN.md "Records and keys", "Known pitfalls").
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromString, toString } from 'uint8arrays'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateKey } from '@libp2p/interface'
import {
  decodeEnvelope, encodeEnvelope, encodePayload, MAX_RECORD_BYTES, nodeMetaKey, nodeLeaseKey, nodeTasksKey,
  taskStateKey, type TaskState
} from '../../src/shared/index.js'
import { loadOrCreateIdentity } from '../../src/main/p2p/index.js'
import { signRecord } from '../../src/main/records/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'
import { dhtInternals as internals, directPut } from '../helpers/dht.js'

// A huge lease ttl keeps the peers' own liveness/meta writes (every ttl/3) out of the test window,
// so the keys forged below are held by no replica until the test writes them.
const QUIET = { leaseTtlMs: 600_000 }

interface PutOutcome { acks: number, ackedBy: string[], sentTo: number, threw: string | undefined }

/** A raw kad-dht put of already-encoded bytes, counting PUT_VALUE acknowledgements. */
async function rawPut (peer: Peer, key: string, bytes: Uint8Array): Promise<PutOutcome> {
  const out: PutOutcome = { acks: 0, ackedBy: [], sentTo: 0, threw: undefined }
  try {
    for await (const ev of peer.node.services.dht.put(fromString(key), bytes, { signal: AbortSignal.timeout(5000) })) {
      if (ev.name === 'SEND_QUERY' && ev.messageName === 'PUT_VALUE') out.sentTo++
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE' && ev.record != null) {
        out.acks++
        out.ackedBy.push(ev.from.toString())
      }
    }
  } catch (err) {
    out.threw = err instanceof Error ? err.name : String(err)
  }
  return out
}

/** What every replica other than `except` hands out for `key` (raw, before any validation). */
async function replicaCopies (reader: Peer, key: string, except: string[] = []): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  try {
    for await (const ev of reader.node.services.dht.get(fromString(key), { signal: AbortSignal.timeout(5000) })) {
      if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'GET_VALUE' && ev.record != null && !except.includes(ev.from.toString())) out.push(ev.record.value)
    }
  } catch { /* not found anywhere */ }
  return out
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && toString(a) === toString(b)

describe('forged and stale records between real peers', () => {
  let cluster: Cluster
  let peers: Peer[]
  const keys: PrivateKey[] = []

  beforeAll(async () => {
    cluster = await startCluster(4, () => QUIET)
    peers = cluster.peers
    for (let i = 0; i < peers.length; i++) keys.push(await loadOrCreateIdentity(join(cluster.root, `peer-${i}`)))
    keys.forEach((k, i) => { expect(peerIdFromPrivateKey(k).toString()).toBe(peers[i]!.peerId) })
  })
  afterAll(async () => { await cluster?.stop() })

  /** Every peer's quorum read never returns `forged`, neither as the winner nor as a copy. */
  async function expectNobodyReturns (key: string, forged: Uint8Array): Promise<void> {
    for (const p of peers) {
      const got = await p.records.get(key)
      if (got.best !== undefined) expect(same(got.best.bytes, forged), `best on ${p.peerId}`).toBe(false)
      expect(got.copies.some(c => same(c.bytes, forged)), `copies on ${p.peerId}`).toBe(false)
    }
  }

  async function expectRefusedEverywhere (forger: number, key: string, forged: Uint8Array): Promise<void> {
    const a = peers[forger]!
    const put = await rawPut(a, key, forged)
    expect(put.acks, `acked by ${put.ackedBy.join(', ')}`).toBe(0)
    expect(put.sentTo, 'the put must reach other peers for the test to mean anything').toBeGreaterThanOrEqual(1)
    for (const [j, b] of peers.entries()) {
      if (j !== forger) expect(await directPut(a, b, key, forged), `direct put to peer-${j}`).toBe(false)
    }
    // no honest replica stored it (the forger's own datastore is its own business)
    expect((await replicaCopies(peers[(forger + 1) % peers.length]!, key, [a.peerId])).some(c => same(c, forged))).toBe(false)
    await expectNobodyReturns(key, forged)
  }

  it('a record with a bad signature gets 0 acks and is never returned', async () => {
    const a = peers[0]!
    const key = nodeLeaseKey(a.peerId)
    const env = decodeEnvelope(await signRecord(keys[0]!, a.peerId, key, { v: 1, peerId: a.peerId, seq: 1, ttlMs: 3000 }))
    const sig = env.sig.slice()
    sig[10] = sig[10]! ^ 0x40
    await expectRefusedEverywhere(0, key, encodeEnvelope({ ...env, sig }))
  })

  it('peer A writing B\'s node meta (signed by A) gets 0 acks; B\'s own meta then wins everywhere', async () => {
    const a = peers[0]!
    const b = peers[1]!
    const key = nodeMetaKey(b.peerId)
    const meta = {
      v: 1, peerId: b.peerId, name: 'evil', version: '0.1.0', seq: Number.MAX_SAFE_INTEGER, cores: 64, idleCpuPct: 100,
      freeMemMb: 1, lendableCpu: 64, lendableMemMb: 1, sharing: 'on', dockerOk: true, allowNetwork: false, runningTasks: 0, addrs: [], updatedAt: 1
    }
    const forged = await signRecord(keys[0]!, a.peerId, key, meta)
    await expectRefusedEverywhere(0, key, forged)
    // also claiming to be B, but signed with A's key
    await expectRefusedEverywhere(0, key, await signRecord(keys[0]!, b.peerId, key, meta))

    // B publishes its own meta on its own; the real one written here only has to be newer.
    const current = b.records.cached<'node-meta'>(key)?.value.seq ?? 0
    const real = await b.records.put(key, { ...meta, name: 'peer-1', seq: current + 1000 })
    expect(real.acks).toBeGreaterThanOrEqual(1)
    for (const p of peers) expect((await p.records.get<'node-meta'>(key)).best?.value.name).toBe('peer-1')
  })

  it('an oversize record (valid signature and schema, > 16 KiB) gets 0 acks', async () => {
    const a = peers[0]!
    const key = nodeTasksKey(a.peerId)
    const ids = (n: number, c: string): string[] => Array.from({ length: n }, (_, i) => `${c}${i.toString(16).padStart(63, '0')}`)
    const forged = await signRecord(keys[0]!, a.peerId, key, { v: 1, peerId: a.peerId, seq: 1, open: ids(200, 'a'), recent: ids(100, 'b') })
    expect(forged.byteLength).toBeGreaterThan(MAX_RECORD_BYTES)
    await expectRefusedEverywhere(0, key, forged)
  })

  it('a schema-invalid payload (validly signed by the right peer) gets 0 acks', async () => {
    const c = peers[2]!
    const key = nodeLeaseKey(c.peerId)
    await expectRefusedEverywhere(2, key, await signRecord(keys[2]!, c.peerId, key, { v: 1, peerId: c.peerId, seq: 1, ttlMs: 1 }))
    // a second forgery needs a fresh key: the forger's own datastore keeps its first one
    const tasksKey = nodeTasksKey(c.peerId)
    await expectRefusedEverywhere(2, tasksKey, await signRecord(keys[2]!, c.peerId, tasksKey, { v: 1, peerId: c.peerId, seq: 1, open: ['not-a-task-id'], recent: [] }))
  })

  describe('task state', () => {
    let taskId: string
    let queued0: TaskState
    let leased1: Uint8Array
    let running2: Uint8Array

    beforeAll(async () => {
      ({ taskId } = await peers[1]!.submitTask({ image: 'busybox', command: ['true'] }))
      queued0 = peers[1]!.records.cached<'task-state'>(taskStateKey(taskId))!.value
      expect(queued0.epoch).toBe(0)
      const key = taskStateKey(taskId)
      leased1 = await signRecord(keys[2]!, peers[2]!.peerId, key, { ...queued0, status: 'leased', epoch: 1, holder: peers[2]!.peerId, seq: 0, attempts: 1 })
      running2 = await signRecord(keys[3]!, peers[3]!.peerId, key, { ...queued0, status: 'running', epoch: 2, holder: peers[3]!.peerId, seq: 0, attempts: 2 })
    })

    it('a payload altered under a genuine signature (same length) is refused by replicas that verified the original', async () => {
      // every replica verified queued0 when it was submitted and holds nothing better yet, so the
      // forgery (seq 0 → 9, same byte length) would outrank it if its signature went unchecked
      const key = taskStateKey(taskId)
      const original = peers[1]!.records.cached<'task-state'>(key)!.bytes
      const w = JSON.parse(toString(original))
      const altered = encodePayload({ ...queued0, seq: 9 })
      expect(altered.byteLength).toBe(encodePayload(queued0).byteLength)
      w.payload = toString(altered, 'base64pad')
      const forged = fromString(JSON.stringify(w))
      expect(forged.byteLength).toBe(original.byteLength)
      for (const [j, b] of peers.entries()) {
        if (j !== 0) expect(await directPut(peers[0]!, b, key, forged), `direct put to peer-${j}`).toBe(false)
      }
      await expectNobodyReturns(key, forged)
      for (const p of peers) expect((await p.records.get<'task-state'>(key)).best?.value.seq).toBe(0)
    })

    it('every peer selects running@2 over the earlier leased@1', async () => {
      const key = taskStateKey(taskId)
      expect((await rawPut(peers[2]!, key, leased1)).acks).toBeGreaterThanOrEqual(1)
      expect((await rawPut(peers[3]!, key, running2)).acks).toBeGreaterThanOrEqual(1)
      for (const p of peers) {
        const { best } = await p.records.get<'task-state'>(taskStateKey(taskId))
        expect(best?.value.epoch).toBe(2)
        expect(best?.value.status).toBe('running')
      }
    })

    it('a stale leased@1 put by any peer gets 0 acks and never replaces running@2', async () => {
      const key = taskStateKey(taskId)
      for (const p of peers) {
        const put = await rawPut(p, key, leased1)
        expect(put.acks, `stale put from ${p.peerId} acked by ${put.ackedBy.join(', ')}`).toBe(0)
        for (const b of peers) if (b !== p) expect(await directPut(p, b, key, leased1)).toBe(false)
      }
      // a late joiner that never held running@2 puts the stale record: the network path is exercised
      const late = await cluster.add(QUIET)
      await waitFor('the late joiner to know the others', () => internals(late).routingTable.size >= 3, 20_000)
      const put = await rawPut(late, key, leased1)
      expect(put.acks).toBe(0)
      for (const b of peers.slice(0, 4)) expect(await directPut(late, b, key, leased1)).toBe(false)

      for (const p of cluster.peers) {
        const { best } = await p.records.get<'task-state'>(key)
        expect(best?.value.epoch, p.peerId).toBe(2)
        expect(best?.value.status).toBe('running')
      }
      // and no honest replica rolled back
      const copies = await replicaCopies(peers[0]!, key, [late.peerId])
      expect(copies.length).toBeGreaterThanOrEqual(1)
      for (const c of copies) expect(same(c, running2)).toBe(true)
    })

    it('a stale record of the right epoch but lower seq is refused too (heartbeats never go backwards)', async () => {
      const key = taskStateKey(taskId)
      const holder = peers[3]!
      const beat5 = await signRecord(keys[3]!, holder.peerId, key, { ...queued0, status: 'running', epoch: 2, holder: holder.peerId, seq: 5, attempts: 2 })
      const beat3 = await signRecord(keys[3]!, holder.peerId, key, { ...queued0, status: 'running', epoch: 2, holder: holder.peerId, seq: 3, attempts: 2 })
      expect((await rawPut(holder, key, beat5)).acks).toBeGreaterThanOrEqual(1)
      expect((await rawPut(peers[0]!, key, beat3)).acks).toBe(0)
      for (const b of peers) if (b !== peers[0]) expect(await directPut(peers[0]!, b, key, beat3)).toBe(false)
      for (const p of peers) expect((await p.records.get<'task-state'>(key)).best?.value.seq).toBe(5)
    })
  })
})
