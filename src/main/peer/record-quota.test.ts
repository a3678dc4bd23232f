// The replica's bound on new records per writer (issue 7): beyond a burst, a writer's new keys are
// refused at its rate; this peer's own records always pass, and refusals are logged once a minute.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { nodeLeaseKey } from '../../shared/index.js'
import { signRecord } from '../records/index.js'
import { RecordQuota, RecordQuotaError } from './record-quota.js'

async function writer (): Promise<(seq: number) => Promise<Uint8Array>> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key).toString()
  return async seq => await signRecord(key, id, nodeLeaseKey(id), { v: 1, peerId: id, seq, ttlMs: 3000 })
}

describe('RecordQuota', () => {
  it('stores a burst of new records per writer, then refuses at its rate; other writers and this peer are not held up', async () => {
    const [mallory, alice] = [await writer(), await writer()]
    const selfKey = await generateKeyPair('Ed25519')
    const self = peerIdFromPrivateKey(selfKey).toString()
    const mine = async (seq: number): Promise<Uint8Array> => await signRecord(selfKey, self, nodeLeaseKey(self), { v: 1, peerId: self, seq, ttlMs: 3000 })
    let now = 0
    const lines: string[] = []
    const quota = new RecordQuota(self, { burst: 5, perMinute: 60, now: () => now, log: l => lines.push(l) })
    for (let i = 0; i < 5; i++) quota.admitNew(await mallory(i))
    expect(() => { quota.admitNew(new Uint8Array(0)) }).not.toThrow() // not a record: the validator's business
    const over = await mallory(5)
    expect(() => { quota.admitNew(over) }).toThrow(RecordQuotaError)
    expect(() => { quota.admitNew(over) }).toThrow(/over its rate of new records/)
    expect(quota.refused).toBe(2)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/refusing new records of 12D3Koo\w+: more than 5 at once or 60 a minute \(1 refused in all\)/)
    // another writer has a burst of its own; this peer's own records are never counted
    for (let i = 0; i < 5; i++) quota.admitNew(await alice(i))
    for (let i = 0; i < 20; i++) quota.admitNew(await mine(i))
    // one a second comes back, up to the burst
    now += 2000
    quota.admitNew(await mallory(6))
    quota.admitNew(await mallory(7))
    expect(() => { quota.admitNew(over) }).toThrow(RecordQuotaError)
    now += 30_000
    for (let i = 0; i < 5; i++) quota.admitNew(await mallory(8 + i))
    expect(() => { quota.admitNew(over) }).toThrow(RecordQuotaError)
    expect(lines).toHaveLength(1) // at most one line per writer a minute
    now += 60_000
    expect(() => { quota.admitNew(over) }).not.toThrow()
    for (let i = 0; i < 4; i++) quota.admitNew(await mallory(20 + i))
    expect(() => { quota.admitNew(over) }).toThrow(RecordQuotaError)
    expect(lines).toHaveLength(2)
    expect(quota.refused).toBe(5)
  })
})
