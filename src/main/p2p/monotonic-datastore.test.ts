import { Record as DHTRecord } from '@libp2p/kad-dht'
import { MemoryDatastore } from 'datastore-core'
import fc from 'fast-check'
import { Key } from 'interface-datastore'
import { fromString, toString } from 'uint8arrays'
import { describe, expect, it } from 'vitest'
import { StaleRecordError } from './errors.js'
import { MonotonicDatastore } from './monotonic-datastore.js'
import type { SelectFn } from '@libp2p/kad-dht'

// test order: the lexicographically largest value wins
const largest: SelectFn = (_key, records) => {
  let best = 0
  records.forEach((r, i) => { if (toString(r) > toString(records[best]!)) best = i })
  return best
}

const dhtKey = fromString('/mc/task/t1/state')
const dsKey = new Key(`/dht/record/${toString(dhtKey, 'base32')}`, false)
const record = (value: string, key = dhtKey): Uint8Array => new DHTRecord(key, fromString(value), new Date()).serialize()
const stored = async (ds: MonotonicDatastore, key = dsKey): Promise<string> => toString(DHTRecord.deserialize(await ds.get(key)).value)

describe('MonotonicDatastore', () => {
  it('keeps the better record and rejects a worse one with StaleRecordError', async () => {
    const ds = new MonotonicDatastore(new MemoryDatastore(), { selectors: { mc: largest } })
    await ds.put(dsKey, record('v1'))
    await ds.put(dsKey, record('v2'))
    expect(await stored(ds)).toBe('v2')
    await expect(ds.put(dsKey, record('v1'))).rejects.toBeInstanceOf(StaleRecordError)
    expect(await stored(ds)).toBe('v2')
  })

  it('asks admitNew about new keys only: a refusal stores nothing, and keys already held pass without asking', async () => {
    const asked: string[] = []
    let open = true
    const ds = new MonotonicDatastore(new MemoryDatastore(), {
      selectors: { mc: largest },
      admitNew: value => { asked.push(toString(value)); if (!open) throw new Error('over quota') }
    })
    await ds.put(dsKey, record('v1'))
    open = false
    await ds.put(dsKey, record('v2')) // an update of a key held here: not asked
    expect(await stored(ds)).toBe('v2')
    const otherKey = fromString('/mc/task/t2/state')
    const otherDsKey = new Key(`/dht/record/${toString(otherKey, 'base32')}`, false)
    await expect(ds.put(otherDsKey, record('x', otherKey))).rejects.toThrow('over quota')
    expect(await ds.has(otherDsKey)).toBe(false)
    expect(asked).toEqual(['v1', 'x'])
  })

  it('accepts a re-put of the same value (kad-dht refreshes timeReceived)', async () => {
    const ds = new MonotonicDatastore(new MemoryDatastore(), { selectors: { mc: largest } })
    await ds.put(dsKey, record('v2'))
    await expect(ds.put(dsKey, record('v2'))).resolves.toBeDefined()
  })

  it('leaves non-record keys and namespaces without a selector alone', async () => {
    const ds = new MonotonicDatastore(new MemoryDatastore(), { selectors: { mc: largest } })
    const peerKey = new Key('/peers/abc')
    await ds.put(peerKey, fromString('b'))
    await ds.put(peerKey, fromString('a'))
    expect(toString(await ds.get(peerKey))).toBe('a')

    const otherKey = fromString('/other/x')
    const otherDsKey = new Key(`/dht/record/${toString(otherKey, 'base32')}`, false)
    await ds.put(otherDsKey, record('v2', otherKey))
    await ds.put(otherDsKey, record('v1', otherKey))
    expect(await stored(ds, otherDsKey)).toBe('v1')
  })

  it('guards batch and putMany writes too', async () => {
    const ds = new MonotonicDatastore(new MemoryDatastore(), { selectors: { mc: largest } })
    await ds.put(dsKey, record('v5'))
    const batch = ds.batch()
    batch.put(dsKey, record('v3'))
    await expect(batch.commit()).rejects.toBeInstanceOf(StaleRecordError)
    await expect(async () => { for await (const _ of ds.putMany([{ key: dsKey, value: record('v4') }])) { /* drain */ } })
      .rejects.toBeInstanceOf(StaleRecordError)
    expect(await stored(ds)).toBe('v5')
  })

  it('ends with the best record whatever order concurrent puts arrive in', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }), async (versions) => {
      const ds = new MonotonicDatastore(new MemoryDatastore(), { selectors: { mc: largest } })
      await Promise.allSettled(versions.map(async v => ds.put(dsKey, record(`v${v}`))))
      expect(await stored(ds)).toBe(`v${Math.max(...versions)}`)
    }), { numRuns: 100 })
  })
})
