// Signed records with real Ed25519 keys: what a replica accepts, and what a reader selects.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { fromString, toString } from 'uint8arrays'
import type { PrivateKey } from '@libp2p/interface'
import {
  decodeEnvelope, deriveTaskId, encodeEnvelope, encodePayload, MAX_RECORD_BYTES, nodeMetaKey, nodeLeaseKey, RecordFormatError, sha256Hex,
  taskSpecKey, taskStateKey, type TaskSpec, type TaskState
} from '../../shared/index.js'
import { openRecord, readRecord, signRecord } from './codec.js'
import { InvalidSignatureError } from './errors.js'
import { selectDhtRecord, validateDhtRecord } from './validators.js'

interface Who { key: PrivateKey, id: string }
const who = async (): Promise<Who> => {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

let alice: Who, bob: Who, mallory: Who
let taskId: string, specHash: string, spec: TaskSpec
let queued0: TaskState

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([who(), who(), who()])
  spec = {
    v: 1, submitter: alice.id, submitterName: 'alice', image: 'busybox', command: ['true'], cpu: 1, memoryMb: 64,
    timeoutSec: 10, env: {}, maxAttempts: 1, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-abc'
  }
  specHash = sha256Hex(encodePayload(spec))
  taskId = deriveTaskId(alice.id, specHash)
  queued0 = {
    v: 1, taskId, submitter: alice.id, specHash, status: 'queued', epoch: 0, holder: null, seq: 0, attempts: 0, ttlMs: 3000,
    exitCode: null, error: null, resultCid: null, updatedAt: 1
  }
})

const state = (patch: Partial<TaskState>): TaskState => ({ ...queued0, ...patch })
const lease = (p: Who, seq: number): object => ({ v: 1, peerId: p.id, seq, ttlMs: 3000 })
const keyBytes = (k: string): Uint8Array => fromString(k)

async function rejection (p: Promise<unknown>): Promise<Error> {
  try { await p } catch (err) { return err as Error }
  throw new Error('expected a rejection, the record was accepted')
}

/** Rebuilds an envelope with one part changed, keeping everything else (sig included) as it was. */
function tamper (bytes: Uint8Array, patch: (w: Record<string, unknown>) => void): Uint8Array {
  const w = JSON.parse(toString(bytes)) as Record<string, unknown>
  patch(w)
  return fromString(JSON.stringify(w))
}

describe('signRecord → openRecord', () => {
  it('round-trips a node record and a task state with the signer and a stable sigHash', async () => {
    const key = nodeLeaseKey(bob.id)
    const bytes = await signRecord(bob.key, bob.id, key, lease(bob, 5))
    const rec = await openRecord(bytes, key)
    expect(rec.value).toEqual(lease(bob, 5))
    expect(rec.signer).toBe(bob.id)
    expect(rec.parsed).toEqual({ kind: 'node-lease', id: bob.id })
    expect(rec.sigHash).toBe(sha256Hex(decodeEnvelope(bytes).sig))
    expect(rec.bytes).toBe(bytes)

    const leased = state({ status: 'leased', epoch: 1, holder: bob.id, seq: 3 })
    const st = await openRecord(await signRecord(bob.key, bob.id, taskStateKey(taskId), leased), taskStateKey(taskId))
    expect(st.value).toEqual(leased)
  })

  it('opens a spec whose task id is its hash', async () => {
    const rec = await openRecord(await signRecord(alice.key, alice.id, taskSpecKey(taskId), spec), taskSpecKey(taskId))
    expect(rec.value).toEqual(spec)
  })

  it('rejects a changed payload under the original signature (same length: 5 → 6)', async () => {
    const key = nodeLeaseKey(bob.id)
    const bytes = await signRecord(bob.key, bob.id, key, lease(bob, 5))
    const forged = tamper(bytes, w => { w.payload = toString(encodePayload(lease(bob, 6)), 'base64pad') })
    expect(forged.byteLength).toBe(bytes.byteLength)
    expect(await rejection(openRecord(forged, key))).toBeInstanceOf(InvalidSignatureError)
  })

  it('rejects a payload forged from a record the peer already verified (no verification cache bypass)', async () => {
    // Same sig, key, signer and byte length as a record opened a moment ago, different payload:
    // a replica that verified the original must still refuse the forgery.
    const key = taskStateKey(taskId)
    const leased = state({ status: 'leased', epoch: 1, holder: bob.id, seq: 0 })
    const bytes = await signRecord(bob.key, bob.id, key, leased)
    await openRecord(bytes, key)
    const forged = tamper(bytes, w => { w.payload = toString(encodePayload({ ...leased, epoch: 9 }), 'base64pad') })
    expect(forged.byteLength).toBe(bytes.byteLength)
    expect(await rejection(openRecord(forged, key))).toBeInstanceOf(InvalidSignatureError)
    expect(await rejection(validateDhtRecord(keyBytes(key), forged))).toBeInstanceOf(InvalidSignatureError)
  })

  it('rejects a flipped signature byte', async () => {
    const key = nodeLeaseKey(bob.id)
    const bytes = await signRecord(bob.key, bob.id, key, lease(bob, 7))
    const env = decodeEnvelope(bytes)
    for (const at of [0, 31, 63]) {
      const sig = env.sig.slice()
      sig[at] = sig[at]! ^ 0x01
      const forged = encodeEnvelope({ ...env, sig })
      expect(await rejection(openRecord(forged, key))).toBeInstanceOf(InvalidSignatureError)
    }
  })

  it('rejects any single flipped byte anywhere in the record', async () => {
    const key = nodeMetaKey(bob.id)
    const meta = {
      v: 1, peerId: bob.id, name: 'bob', version: '0.1.0', seq: 1, cores: 4, idleCpuPct: 50, freeMemMb: 1024, lendableCpu: 2,
      lendableMemMb: 512, sharing: 'on', dockerOk: true, allowNetwork: false, runningTasks: 0, addrs: [], updatedAt: 1
    }
    const bytes = await signRecord(bob.key, bob.id, key, meta)
    await fc.assert(fc.asyncProperty(fc.nat(bytes.byteLength - 1), fc.integer({ min: 1, max: 255 }), async (at, x) => {
      const forged = bytes.slice()
      forged[at] = forged[at]! ^ x
      const err = await rejection(openRecord(forged, key))
      expect(err instanceof InvalidSignatureError || err instanceof RecordFormatError).toBe(true)
    }), { numRuns: 300 })
  })

  it('rejects a record re-signed by another key that claims the original signer', async () => {
    const key = nodeLeaseKey(bob.id)
    const forged = await signRecord(mallory.key, bob.id, key, lease(bob, 99))
    expect(await rejection(openRecord(forged, key))).toBeInstanceOf(InvalidSignatureError)
    expect(await rejection(validateDhtRecord(keyBytes(key), forged))).toBeInstanceOf(InvalidSignatureError)
  })

  it('rejects a validly signed record for a key its signer may not write', async () => {
    const key = nodeLeaseKey(bob.id)
    const honestlyMallory = await signRecord(mallory.key, mallory.id, key, lease(bob, 99))
    const err = await rejection(openRecord(honestlyMallory, key))
    expect(err).toBeInstanceOf(RecordFormatError)
    expect((err as RecordFormatError).field).toBe('signer')
    // a stranger taking over someone's task: epoch 2 written by Mallory naming Bob as holder
    const takeover = await signRecord(mallory.key, mallory.id, taskStateKey(taskId), state({ status: 'running', epoch: 2, holder: bob.id }))
    expect(((await rejection(openRecord(takeover))) as RecordFormatError).field).toBe('signer')
  })

  it('rejects a record moved to another key (the signature covers the key)', async () => {
    const bytes = await signRecord(bob.key, bob.id, nodeLeaseKey(bob.id), lease(bob, 1))
    const moved = tamper(bytes, w => { w.key = nodeMetaKey(bob.id) })
    expect(await rejection(openRecord(moved))).toBeInstanceOf(RecordFormatError) // a lease is not a valid meta
    expect(((await rejection(openRecord(bytes, nodeMetaKey(bob.id)))) as RecordFormatError).field).toBe('key')
  })

  it('rejects a signer that is not an Ed25519-key peer id without throwing anything else', async () => {
    const key = nodeLeaseKey(bob.id)
    const bytes = await signRecord(bob.key, bob.id, key, lease(bob, 1))
    const odd = tamper(bytes, w => { w.signer = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N' })
    const err = await rejection(openRecord(odd, key))
    expect(err instanceof InvalidSignatureError || err instanceof RecordFormatError).toBe(true)
  })
})

describe('validateDhtRecord', () => {
  it('accepts a good record and rejects every forgery kind', async () => {
    const key = nodeLeaseKey(bob.id)
    const good = await signRecord(bob.key, bob.id, key, lease(bob, 1))
    await expect(validateDhtRecord(keyBytes(key), good)).resolves.toBeUndefined()
    const env = decodeEnvelope(good)
    const sig = env.sig.slice()
    sig[5] = sig[5]! ^ 0xff
    const forgeries: Array<[string, Uint8Array, new (message: string) => Error, string]> = [
      ['flipped sig', encodeEnvelope({ ...env, sig }), InvalidSignatureError, 'sig'],
      ['re-signed by mallory as bob', await signRecord(mallory.key, bob.id, key, lease(bob, 1)), InvalidSignatureError, 'sig'],
      ['signed by mallory as mallory', await signRecord(mallory.key, mallory.id, key, lease(bob, 1)), RecordFormatError, 'signer'],
      ['schema-invalid payload', await signRecord(bob.key, bob.id, key, { ...lease(bob, 1), ttlMs: 1 }), RecordFormatError, 'ttlMs'],
      ['oversize', encodeEnvelope({ ...env, payload: new Uint8Array(MAX_RECORD_BYTES) }), RecordFormatError, 'size'],
      ['garbage', fromString('garbage'), RecordFormatError, 'envelope']
    ]
    for (const [name, bytes, cls, field] of forgeries) {
      const err = await rejection(validateDhtRecord(keyBytes(key), bytes))
      expect(err, name).toBeInstanceOf(cls)
      expect((err as Error & { field?: string }).field, name).toBe(field)
    }
    // stored under another key than the one it names
    expect(await rejection(validateDhtRecord(keyBytes(nodeLeaseKey(alice.id)), good))).toBeInstanceOf(RecordFormatError)
  })
})

describe('selectDhtRecord', () => {
  it('picks the best task state by the shared order, whatever the order of arrival', async () => {
    const key = taskStateKey(taskId)
    const recs = await Promise.all([
      signRecord(alice.key, alice.id, key, queued0),
      signRecord(bob.key, bob.id, key, state({ status: 'leased', epoch: 1, holder: bob.id, seq: 0 })),
      signRecord(bob.key, bob.id, key, state({ status: 'running', epoch: 1, holder: bob.id, seq: 4 })),
      signRecord(mallory.key, mallory.id, key, state({ status: 'leased', epoch: 2, holder: mallory.id, seq: 0 })),
      signRecord(mallory.key, mallory.id, key, state({ status: 'running', epoch: 2, holder: mallory.id, seq: 1 }))
    ])
    const best = recs[4]!
    fc.assert(fc.property(fc.shuffledSubarray(recs, { minLength: recs.length }), order => {
      expect(order[selectDhtRecord(keyBytes(key), order)]).toBe(best)
    }), { numRuns: 120 })
  })

  it('picks the highest seq for node records', async () => {
    const key = nodeLeaseKey(bob.id)
    const recs = await Promise.all([3, 9, 1].map(async s => await signRecord(bob.key, bob.id, key, lease(bob, s))))
    expect(selectDhtRecord(keyBytes(key), recs)).toBe(1)
  })

  it('puts unreadable records last and never throws on garbage', async () => {
    const key = taskStateKey(taskId)
    const good = await signRecord(alice.key, alice.id, key, queued0)
    const wrongSigner = await signRecord(mallory.key, mallory.id, key, state({ status: 'running', epoch: 50, holder: bob.id }))
    const otherKey = await signRecord(bob.key, bob.id, nodeLeaseKey(bob.id), lease(bob, 1))
    const junk = [new Uint8Array(0), fromString('{'), fromString('null'), new Uint8Array(20_000), wrongSigner, otherKey]
    for (let at = 0; at <= junk.length; at++) {
      const records = [...junk.slice(0, at), good, ...junk.slice(at)]
      expect(selectDhtRecord(keyBytes(key), records)).toBe(at)
    }
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), fc.nat(5), (garbage, at) => {
      const records: Uint8Array[] = [...garbage]
      const i = Math.min(at, records.length)
      records.splice(i, 0, good)
      expect(selectDhtRecord(keyBytes(key), records)).toBe(i)
      expect(() => selectDhtRecord(keyBytes(key), garbage)).not.toThrow()
    }), { numRuns: 300 })
    expect(() => selectDhtRecord(keyBytes('/not/a/key'), [good])).not.toThrow()
  })

  it('returns an index in range for all-garbage input', () => {
    const idx = selectDhtRecord(keyBytes(taskStateKey('a'.repeat(64))), [fromString('x'), fromString('y')])
    expect(idx).toBeGreaterThanOrEqual(0)
    expect(idx).toBeLessThan(2)
  })
})

describe('readRecord', () => {
  it('checks everything but the signature (the sync path selectors need)', async () => {
    const key = nodeLeaseKey(bob.id)
    const forged = await signRecord(mallory.key, bob.id, key, lease(bob, 1))
    expect(readRecord(forged, key).signer).toBe(bob.id)
    expect(() => readRecord(fromString('x'), key)).toThrow(RecordFormatError)
  })
})
