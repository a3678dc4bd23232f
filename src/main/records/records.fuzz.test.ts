// Fuzz (issue 7): strangers' bytes reach every replica through the DHT and gossip, so the full
// check with real Ed25519 keys must never crash and never accept a record its signer did not sign
// for a key it may write. Each property runs RUNS generated inputs.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import fc from 'fast-check'
import { fromString, toString } from 'uint8arrays'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  deriveTaskId, encodePayload, MAX_RECORD_BYTES, nodeLeaseKey, nodeMetaKey, nodeTasksKey, RecordFormatError, sha256Hex,
  taskCancelKey, taskSpecKey, taskStateKey, TASK_INDEX_MAX_OPEN, TASK_INDEX_MAX_RECENT
} from '../../shared/index.js'
import { openRecord, readRecord, signRecord } from './codec.js'
import { InvalidSignatureError } from './errors.js'
import { selectDhtRecord, validateDhtRecord } from './validators.js'

const RUNS = 10_000

interface Who { key: PrivateKey, id: string }
const who = async (): Promise<Who> => {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}
/** A value this writer may publish, and the key it goes under (a spec's key is its hash). */
interface Genuine { key: string, value: Record<string, unknown>, writer: Who }

let alice: Who, bob: Who, mallory: Who
let genuine: Genuine[] = []
let signed: Array<{ key: string, bytes: Uint8Array }> = []

function specOf (submitter: Who, nonce: string): Genuine {
  const value = {
    v: 1, submitter: submitter.id, submitterName: 'a', image: 'busybox', command: ['true'], cpu: 1, memoryMb: 64, timeoutSec: 10,
    env: {}, maxAttempts: 1, retryOnFailure: false, network: false, createdAt: 1, nonce
  }
  return { key: taskSpecKey(deriveTaskId(submitter.id, sha256Hex(encodePayload(value)))), value, writer: submitter }
}

/** One genuine record of every kind, with `seq` (or the nonce) varying so signatures differ. */
function genuineOf (n: number): Genuine[] {
  const spec = specOf(alice, `nonce-${String(n).padStart(4, '0')}`)
  const specHash = sha256Hex(encodePayload(spec.value))
  const taskId = deriveTaskId(alice.id, specHash)
  const state = {
    v: 1, taskId, submitter: alice.id, specHash, status: 'queued', epoch: 0, holder: null, seq: n, attempts: 0, ttlMs: 3000,
    exitCode: null, error: null, resultCid: null, updatedAt: 1
  }
  return [
    spec,
    { key: taskStateKey(taskId), value: state, writer: alice },
    { key: taskStateKey(taskId), value: { ...state, status: 'running', epoch: 1, holder: bob.id }, writer: bob },
    { key: taskCancelKey(taskId), value: { v: 1, taskId, submitter: alice.id, specHash, reason: 'r', at: n }, writer: alice },
    { key: nodeLeaseKey(bob.id), value: { v: 1, peerId: bob.id, seq: n, ttlMs: 3000 }, writer: bob },
    { key: nodeTasksKey(alice.id), value: { v: 1, peerId: alice.id, seq: n, open: [taskId], recent: [] }, writer: alice },
    {
      key: nodeMetaKey(bob.id),
      value: {
        v: 1, peerId: bob.id, name: 'bob', version: '0.1.0', seq: n, cores: 4, idleCpuPct: 50, freeMemMb: 1024, lendableCpu: 2,
        lendableMemMb: 512, sharing: 'on', dockerOk: true, allowNetwork: false, runningTasks: 0, addrs: [], updatedAt: 1
      },
      writer: bob
    }
  ]
}

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([who(), who(), who()])
  genuine = [0, 1, 2].flatMap(genuineOf)
  signed = await Promise.all(genuine.map(async g => ({ key: g.key, bytes: await signRecord(g.writer.key, g.writer.id, g.key, g.value) })))
  // Sanity: every base record is accepted, so a rejection below is the mutation's doing.
  for (const s of signed) await openRecord(s.bytes, s.key)
})

const isGenuine = (bytes: Uint8Array): boolean => signed.some(s => s.bytes.byteLength === bytes.byteLength && s.bytes.every((b, i) => b === bytes[i]))

/** The module's own errors, each naming a field: the only way these functions may fail. */
function expectOwnError (err: unknown): asserts err is RecordFormatError | InvalidSignatureError {
  if (!(err instanceof RecordFormatError || err instanceof InvalidSignatureError)) throw err
  expect(typeof err.field).toBe('string')
  expect(err.field).not.toBe('')
}

async function expectRejected (bytes: Uint8Array, key: string): Promise<RecordFormatError | InvalidSignatureError> {
  let caught: unknown
  try { await openRecord(bytes, key) } catch (err) { caught = err }
  if (caught === undefined) throw new Error(`accepted a forged record: ${toString(bytes).slice(0, 300)}`)
  expectOwnError(caught)
  let byValidator: unknown
  try { await validateDhtRecord(fromString(key), bytes) } catch (err) { byValidator = err }
  expect(byValidator?.constructor).toBe(caught.constructor)
  return caught
}

const wire = (bytes: Uint8Array): Record<string, unknown> => JSON.parse(toString(bytes)) as Record<string, unknown>
const rewire = (w: Record<string, unknown>): Uint8Array => fromString(JSON.stringify(w))
const pick = <T>(list: T[], i: number): T => list[i % list.length]!

/** Ways to damage a genuine record; each keeps whatever it does not touch (the signature included). */
const mutationArb: fc.Arbitrary<(i: number) => Uint8Array> = fc.oneof(
  fc.nat().map(n => (i: number) => { const b = pick(signed, i).bytes; return b.slice(0, n % b.byteLength) }),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }).map(flips => (i: number) => {
    const b = pick(signed, i).bytes.slice()
    for (const [at, bit] of flips) b[at % b.byteLength] = b[at % b.byteLength]! ^ (1 << bit)
    return b
  }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, ins]) => (i: number) => {
    const b = pick(signed, i).bytes
    const k = at % b.byteLength
    return Uint8Array.from([...b.subarray(0, k), ...ins, ...b.subarray(k)])
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([j, cutA, cutB]) => (i: number) => {
    const a = pick(signed, i).bytes
    const b = pick(signed, j).bytes
    return Uint8Array.from([...a.subarray(0, cutA % a.byteLength), ...b.subarray(cutB % b.byteLength)])
  }),
  // one wire field taken from another genuine record: sig, payload, key or signer swapped
  fc.tuple(fc.nat(), fc.constantFrom('sig', 'payload', 'key', 'signer')).map(([j, field]) => (i: number) => {
    const w = wire(pick(signed, i).bytes)
    w[field] = wire(pick(signed, j).bytes)[field]
    return rewire(w)
  })
)

describe('fuzz: openRecord / validateDhtRecord with real signatures', () => {
  it(`rejects every truncated, bit-flipped, spliced or field-swapped genuine record (${RUNS} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), mutationArb, async (i, mutate) => {
      const bytes = mutate(i)
      if (isGenuine(bytes)) return // a splice can rebuild a genuine record exactly
      await expectRejected(bytes, pick(signed, i).key)
    }), { numRuns: RUNS })
  }, 60_000)

  it(`rejects genuine payloads re-signed by the wrong key (${RUNS} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), fc.nat(), fc.boolean(), async (i, seq, honest) => {
      const g = pick(genuine, i)
      // a fresh payload (seq/at changed where the kind has one) the writer never signed
      const value = g.key.endsWith('/spec') ? g.value : { ...g.value, ...('seq' in g.value ? { seq } : { at: seq }) }
      if (honest) {
        // Mallory signs as Mallory a record only the writer may write: the signer rule refuses it.
        const err = await expectRejected(await signRecord(mallory.key, mallory.id, g.key, value), g.key)
        expect(err).toBeInstanceOf(RecordFormatError)
        expect(err.field).toBe('signer')
      } else {
        // Mallory signs with her key but names the writer as signer: the signature does not verify.
        const err = await expectRejected(await signRecord(mallory.key, g.writer.id, g.key, value), g.key)
        expect(err).toBeInstanceOf(InvalidSignatureError)
        expect(err.field).toBe('sig')
      }
    }), { numRuns: RUNS })
  }, 60_000)

  // Wrong types, extra fields, huge strings and deep nesting, signed by the rightful writer: only
  // the payload schema stands between them and every replica.
  const badValueArb = fc.oneof(
    { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 6, arbitrary: fc.constantFrom(-1, Number.MAX_SAFE_INTEGER + 2, 0.5, '', true, null, [], {}) },
    { weight: 1, arbitrary: fc.nat(12_000).map(n => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map(n => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }).map(n => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown) }
  )
  it(`rejects schema-invalid payloads signed by the rightful writer, naming the field (${RUNS} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), fc.nat(), badValueArb, fc.boolean(), async (i, f, bad, extra) => {
      const g = pick(genuine, i)
      const fields = Object.keys(g.value)
      const field = extra ? `x${f % 5}` : pick(fields, f)
      const value = { ...g.value, [field]: bad }
      // a spec lives at its hash: rebuild the key so only the schema can refuse it
      const key = g.key.endsWith('/spec') ? taskSpecKey(deriveTaskId(g.writer.id, sha256Hex(encodePayload(value)))) : g.key
      const bytes = await signRecord(g.writer.key, g.writer.id, key, value)
      let accepted = true
      try { readRecord(bytes, key) } catch { accepted = false }
      if (accepted) {
        // the generator may hit a valid value (a string for a string field): then it must verify too
        expect((await openRecord(bytes, key)).signer).toBe(g.writer.id)
        return
      }
      const err = await expectRejected(bytes, key)
      expect(err).toBeInstanceOf(RecordFormatError)
      // an unknown field is a payload error (record-rules.test.ts); a signer-bound field may fail
      // its binding rule (the task id or signer) once it passes its schema
      const named = extra ? ['payload', 'size'] : [field, 'size', 'signer', 'taskId', 'peerId', 'holder', 'status']
      expect(named, `${field} → ${err.field}`).toContain(err.field?.split('.')[0])
      if (err.field === 'size') expect(bytes.byteLength).toBeGreaterThan(MAX_RECORD_BYTES)
    }), { numRuns: RUNS })
  }, 60_000)

  it(`never throws anything else on random bytes, JSON and envelope-shaped objects (${RUNS} runs)`, async () => {
    const envelopeArb = fc.record({
      v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
      key: fc.oneof(fc.constantFrom(...signed.map(s => s.key)), fc.string({ maxLength: 80 })),
      payload: fc.oneof(fc.uint8Array({ maxLength: 200 }).map(b => toString(b, 'base64pad')), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
      signer: fc.oneof(fc.constantFrom(alice.id, bob.id, mallory.id), fc.string({ maxLength: 60 })),
      sig: fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }).map(b => toString(b, 'base64pad')), fc.string({ maxLength: 100 }))
    }, { requiredKeys: [] }).map(w => fromString(JSON.stringify(w)))
    const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.json({ maxDepth: 4 }).map(s => fromString(s)), envelopeArb)
    await fc.assert(fc.asyncProperty(bytesArb, fc.nat(), async (bytes, i) => {
      await expectRejected(bytes, pick(signed, i).key)
    }), { numRuns: RUNS })
  }, 60_000)
})

describe('fuzz: selectDhtRecord', () => {
  it(`never throws, answers an index in range, and prefers a readable record (${RUNS} runs)`, () => {
    const candidateArb = fc.oneof(
      fc.uint8Array({ maxLength: 128 }),
      fc.tuple(fc.nat(), mutationArb).map(([i, mutate]) => mutate(i)),
      fc.nat().map(i => pick(signed, i).bytes)
    )
    fc.assert(fc.property(fc.nat(), fc.array(candidateArb, { minLength: 1, maxLength: 6 }), (i, records) => {
      const key = pick(signed, i).key
      const at = selectDhtRecord(fromString(key), records)
      expect(at).toBeGreaterThanOrEqual(0)
      expect(at).toBeLessThan(records.length)
      const readable = records.filter(r => { try { readRecord(r, key); return true } catch { return false } })
      if (readable.length > 0) expect(() => readRecord(records[at]!, key)).not.toThrow()
    }), { numRuns: RUNS })
  }, 60_000)
})

describe('the largest records a peer writes fit in MAX_RECORD_BYTES', () => {
  // A record over the limit is refused by every peer, its writer included: a schema limit that
  // allows one would silently stop that record from being published.
  const worst = (n: number): string => '\u0001'.repeat(n) // JSON writes a control character as 6 bytes
  it('a full task index, a task state with the longest error, a node meta with every address', async () => {
    const ids = (n: number, from: number): string[] => Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(64, 'f'))
    const index = { v: 1, peerId: alice.id, seq: Number.MAX_SAFE_INTEGER, open: ids(TASK_INDEX_MAX_OPEN, 0), recent: ids(TASK_INDEX_MAX_RECENT, 1000) }
    await openRecord(await signRecord(alice.key, alice.id, nodeTasksKey(alice.id), index))
    const running = genuine.find(g => g.key.endsWith('/state') && g.writer === bob)!
    const state = { ...running.value, seq: Number.MAX_SAFE_INTEGER, attempts: 1000, exitCode: -Number.MAX_SAFE_INTEGER, error: worst(1024), resultCid: worst(128), updatedAt: Number.MAX_SAFE_INTEGER }
    await openRecord(await signRecord(bob.key, bob.id, running.key, state))
    const meta = genuine.find(g => g.key.endsWith('/meta'))!
    // addresses are multiaddr strings (ASCII), at most 300 characters each (create-peer.ts)
    const addrs = Array.from({ length: 16 }, (_, i) => `/ip6/${'f'.repeat(250)}/tcp/65535/p2p/${bob.id}`.slice(0, 300 - 2) + String(i).padStart(2, '0'))
    await openRecord(await signRecord(bob.key, bob.id, meta.key, { ...meta.value, name: worst(64), version: worst(32), addrs }))
  })
})
