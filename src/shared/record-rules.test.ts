// Who may write which key, and what a record must contain. Everything but the signature
// (that is src/main/records' job): these rules run on every replica for every stranger's put.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseMemoryMb } from './api.js'
import {
  decodeEnvelope, deriveTaskId, encodeEnvelope, encodePayload, RecordFormatError, sha256Hex, type Envelope
} from './envelope.js'
import {
  nodeLeaseKey, nodeMetaKey, nodeTasksKey, parseKey, taskCancelKey, taskSpecKey, taskStateKey
} from './keys.js'
import { checkRecord } from './record-rules.js'
import { PROTOCOL_VERSION, type NodeMeta, type TaskCancel, type TaskSpec, type TaskState } from './schemas.js'

const ALICE = '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobBobBob'
const CAROL = '12D3KooWCaro1Caro1Caro1Caro1Caro1Caro1Caro1Caro1Caro'
const SIG = new Uint8Array(64).fill(1)

const spec: TaskSpec = {
  v: 1, submitter: ALICE, submitterName: 'alice', image: 'busybox', command: ['sh', '-c', 'true'], cpu: 1, memoryMb: 256,
  timeoutSec: 60, env: {}, maxAttempts: 3, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-123'
}
const specPayload = encodePayload(spec)
const specHash = sha256Hex(specPayload)
const taskId = deriveTaskId(ALICE, specHash)

const queued0: TaskState = {
  v: 1, taskId, submitter: ALICE, specHash, status: 'queued', epoch: 0, holder: null, seq: 0, attempts: 0, ttlMs: 3000,
  exitCode: null, error: null, resultCid: null, updatedAt: 1
}
const leased1: TaskState = { ...queued0, status: 'leased', epoch: 1, holder: BOB, attempts: 1 }
const meta: NodeMeta = {
  v: 1, peerId: BOB, name: 'bob', version: '0.1.0', seq: 1, cores: 4, idleCpuPct: 50, freeMemMb: 1024, lendableCpu: 2,
  lendableMemMb: 512, sharing: 'on', dockerOk: true, allowNetwork: false, runningTasks: 0, addrs: [], updatedAt: 1
}
const cancel: TaskCancel = { v: 1, taskId, submitter: ALICE, specHash, reason: 'no', at: 1 }

const env = (key: string, value: unknown, signer: string, payload = encodePayload(value)): Envelope =>
  ({ v: PROTOCOL_VERSION, key, payload, signer, sig: SIG })

function rejects (e: Envelope, field: string, expectedKey?: string): RecordFormatError {
  let caught: unknown
  try { checkRecord(e, expectedKey) } catch (err) { caught = err }
  expect(caught).toBeInstanceOf(RecordFormatError)
  expect((caught as RecordFormatError).field).toBe(field)
  return caught as RecordFormatError
}

describe('checkRecord accepts well-formed records from their allowed writers', () => {
  it.each([
    ['node meta by itself', env(nodeMetaKey(BOB), meta, BOB)],
    ['node lease by itself', env(nodeLeaseKey(BOB), { v: 1, peerId: BOB, seq: 5, ttlMs: 3000 }, BOB)],
    ['node tasks by itself', env(nodeTasksKey(BOB), { v: 1, peerId: BOB, seq: 1, open: [taskId], recent: [] }, BOB)],
    ['spec by its submitter', env(taskSpecKey(taskId), spec, ALICE, specPayload)],
    ['epoch 0 state by the submitter', env(taskStateKey(taskId), queued0, ALICE)],
    ['epoch 1 state by the holder', env(taskStateKey(taskId), leased1, BOB)],
    ['cancel by the submitter', env(taskCancelKey(taskId), cancel, ALICE)]
  ])('%s', (_name, e) => {
    const { key, value } = checkRecord(e, e.key)
    expect(key.id).toBe(parseKey(e.key)!.id)
    expect(value).toEqual(JSON.parse(new TextDecoder().decode(e.payload)))
  })
})

describe('checkRecord rejects', () => {
  it('a key outside the /mc schema', () => {
    for (const key of ['/other/node/x/meta', '/mc/foo/abc/meta', `/mc/node/${BOB}/secret`, `/mc/task/${taskId.toUpperCase()}/state`,
      `/mc/task/${taskId}/state/`, `/mc/task/${taskId}`, '', `/mc/node/${BOB}/meta/extra`]) {
      rejects(env(key, meta, BOB), 'key')
    }
  })

  it('an envelope whose key is not the key it was stored under', () => {
    const err = rejects(env(nodeMetaKey(BOB), meta, BOB), 'key', nodeLeaseKey(BOB))
    expect(err.message).toContain(nodeLeaseKey(BOB))
  })

  it('a payload failing its schema, naming the field', () => {
    rejects(env(nodeMetaKey(BOB), { ...meta, cores: -1 }, BOB), 'cores')
    rejects(env(nodeMetaKey(BOB), { ...meta, sharing: 'always' }, BOB), 'sharing')
    rejects(env(taskStateKey(taskId), { ...leased1, holder: null }, BOB), 'holder')
    rejects(env(taskStateKey(taskId), { ...queued0, status: 'running' }, ALICE), 'status')
    rejects(env(taskStateKey(taskId), { ...leased1, epoch: -1 }, BOB), 'epoch')
    rejects(env(taskStateKey(taskId), { ...leased1, ttlMs: 1 }, BOB), 'ttlMs')
    const { image: _image, ...noImage } = spec
    rejects(env(taskSpecKey(taskId), noImage, ALICE), 'image')
    rejects(env(taskSpecKey(taskId), { ...spec, command: [] }, ALICE), 'command')
  })

  it('unknown payload fields and non-object payloads as the payload', () => {
    rejects(env(nodeMetaKey(BOB), { ...meta, admin: true }, BOB), 'payload')
    rejects(env(nodeMetaKey(BOB), 42, BOB), 'payload')
    rejects(env(nodeMetaKey(BOB), null, BOB, new TextEncoder().encode('{nope')), 'payload')
  })

  it('node records signed by another peer', () => {
    rejects(env(nodeMetaKey(BOB), meta, ALICE), 'signer')
    rejects(env(nodeLeaseKey(BOB), { v: 1, peerId: BOB, seq: 5, ttlMs: 3000 }, ALICE), 'signer')
    rejects(env(nodeTasksKey(BOB), { v: 1, peerId: BOB, seq: 1, open: [], recent: [] }, CAROL), 'signer')
    // a node record about someone else under my own key
    rejects(env(nodeMetaKey(ALICE), meta, ALICE), 'peerId')
  })

  it('task state at epoch ≥ 1 signed by anyone but its holder (the submitter included)', () => {
    rejects(env(taskStateKey(taskId), leased1, CAROL), 'signer')
    rejects(env(taskStateKey(taskId), leased1, ALICE), 'signer')
    rejects(env(taskStateKey(taskId), { ...leased1, status: 'succeeded', epoch: 7 }, ALICE), 'signer')
  })

  it('epoch 0 state signed by anyone but the submitter', () => {
    rejects(env(taskStateKey(taskId), queued0, BOB), 'signer')
    rejects(env(taskStateKey(taskId), { ...queued0, status: 'cancelled' }, CAROL), 'signer')
  })

  it('a task id not bound to (submitter, specHash)', () => {
    // Carol claims to be the submitter of Alice's task, so she could write its epoch 0
    rejects(env(taskStateKey(taskId), { ...queued0, submitter: CAROL }, CAROL), 'taskId')
    rejects(env(taskStateKey(taskId), { ...leased1, specHash: 'c'.repeat(64) }, BOB), 'taskId')
    rejects(env(taskCancelKey(taskId), { ...cancel, submitter: CAROL }, CAROL), 'taskId')
    // the payload's taskId must be the key's
    const other = deriveTaskId(ALICE, 'd'.repeat(64))
    rejects(env(taskStateKey(other), queued0, ALICE), 'taskId')
  })

  it('a spec whose hash is not the task id', () => {
    rejects(env(taskSpecKey(taskId), { ...spec, command: ['rm', '-rf', '/'] }, ALICE), 'taskId')
    // same spec, re-serialised differently (whitespace): a different hash, so a different task
    const spaced = new TextEncoder().encode(JSON.stringify(spec, null, 1))
    rejects(env(taskSpecKey(taskId), spec, ALICE, spaced), 'taskId')
    // signed by someone else than its submitter
    rejects(env(taskSpecKey(taskId), spec, BOB, specPayload), 'signer')
  })

  it('a cancel by anyone but the submitter', () => {
    rejects(env(taskCancelKey(taskId), cancel, BOB), 'signer')
  })
})

// ---- fuzz: strangers' bytes must never crash a replica -------------------------------------

const VALID: Envelope[] = [
  env(nodeMetaKey(BOB), meta, BOB), env(taskSpecKey(taskId), spec, ALICE, specPayload), env(taskStateKey(taskId), queued0, ALICE),
  env(taskStateKey(taskId), leased1, BOB), env(taskCancelKey(taskId), cancel, ALICE)
]
const wireOf = (e: Envelope): Record<string, unknown> => JSON.parse(new TextDecoder().decode(encodeEnvelope(e)))
const keyArb = fc.oneof(
  fc.constantFrom(...VALID.map(v => v.key), nodeLeaseKey(ALICE), nodeTasksKey(CAROL)),
  fc.string(),
  fc.constantFrom('/mc/node/', '/mc/task/').chain(p => fc.tuple(fc.string({ maxLength: 70 }), fc.constantFrom('meta', 'state', 'spec', 'x')).map(([id, leaf]) => `${p}${id}/${leaf}`))
)
const payloadValueArb = fc.oneof(
  fc.jsonValue(),
  // a valid payload with one field replaced by anything: the shape zod must still judge
  fc.tuple(fc.constantFrom(meta, spec, queued0, leased1, cancel), fc.string({ maxLength: 12 }), fc.jsonValue())
    .map(([base, k, v]) => ({ ...base, [Object.keys(base)[k.length % Object.keys(base).length]!]: v })),
  fc.tuple(fc.constantFrom<object>(meta, spec, queued0, leased1, cancel), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }))
    .map(([base, extra]) => ({ ...base, ...extra }))
)
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.jsonValue().map(v => new TextEncoder().encode(JSON.stringify(v))),
  // a well-formed envelope with an arbitrary key/signer/payload
  fc.record({ key: keyArb, value: payloadValueArb, signer: fc.constantFrom(ALICE, BOB, CAROL) })
    .map(({ key, value, signer }) => encodeEnvelope(env(key, value, signer))),
  // a valid envelope with one wire field replaced by any JSON value
  fc.tuple(fc.constantFrom(...VALID), fc.constantFrom('v', 'key', 'payload', 'signer', 'sig', 'extra'), fc.jsonValue())
    .map(([e, field, v]) => new TextEncoder().encode(JSON.stringify({ ...wireOf(e), [field]: v }))),
  // a valid envelope with one byte flipped
  fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([e, at, x]) => {
    const b = encodeEnvelope(e)
    b[at % b.length] = b[at % b.length]! ^ x
    return b
  }),
  // valid envelopes with random base64-ish strings
  fc.tuple(fc.constantFrom(...VALID), fc.string({ unit: fc.constantFrom(...'AB+/=a9'), maxLength: 16 }), fc.boolean())
    .map(([e, s, inSig]) => new TextEncoder().encode(JSON.stringify({ ...wireOf(e), [inSig ? 'sig' : 'payload']: s })))
)

describe('fuzz: decodeEnvelope + checkRecord', () => {
  it('never throw anything but RecordFormatError (with a field) on arbitrary input', () => {
    fc.assert(fc.property(bytesArb, fc.boolean(), (bytes, withExpected) => {
      try {
        const e = decodeEnvelope(bytes)
        checkRecord(e, withExpected ? e.key : undefined)
      } catch (err) {
        if (!(err instanceof RecordFormatError)) throw err
        expect(typeof err.field).toBe('string')
        expect(err.field).not.toBe('')
      }
    }), { numRuns: 3000 })
  }, 30_000)
})

describe('parseKey', () => {
  it('parses every key builder back to its kind and id', () => {
    expect(parseKey(nodeMetaKey(BOB))).toEqual({ kind: 'node-meta', id: BOB })
    expect(parseKey(nodeLeaseKey(BOB))).toEqual({ kind: 'node-lease', id: BOB })
    expect(parseKey(nodeTasksKey(BOB))).toEqual({ kind: 'node-tasks', id: BOB })
    expect(parseKey(taskSpecKey(taskId))).toEqual({ kind: 'task-spec', id: taskId })
    expect(parseKey(taskStateKey(taskId))).toEqual({ kind: 'task-state', id: taskId })
    expect(parseKey(taskCancelKey(taskId))).toEqual({ kind: 'task-cancel', id: taskId })
  })

  it('returns undefined for anything outside the schema', () => {
    for (const key of [
      '', '/', '/mc', '/mc/node', `/mc/node/${BOB}`, `/mc/node/${BOB}/state`, `/mc/task/${taskId}/meta`,
      `/mc/node/${taskId}/meta`, `/mc/task/${BOB}/state`, `/mc/task/${taskId.slice(1)}/state`, `/mc/task/${taskId}0/state`,
      `/mc/task/${'G'.repeat(64)}/state`, `/xx/task/${taskId}/state`, `mc/task/${taskId}/state`, `/mc/node/${'0'.repeat(52)}/meta`,
      `/mc/node/${'1'.repeat(61)}/meta`, `/mc/node/${'1'.repeat(45)}/meta`, `/mc/node/${BOB}/meta\n`, `/mc/task/../state`
    ]) {
      expect(parseKey(key), JSON.stringify(key)).toBeUndefined()
    }
  })

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), s => {
      const k = parseKey(s)
      if (k !== undefined) expect(s.startsWith('/mc/')).toBe(true)
    }), { numRuns: 1000 })
  })
})

describe('parseMemoryMb', () => {
  it.each([
    ['256m', 256], ['1g', 1024], ['512', 512], ['1.5g', 1536], ['2GiB', 2048], ['64mb', 64], ['1t', 1024 * 1024],
    ['1024k', 1], [' 128M ', 128], ['0', 0]
  ])('%s → %d MiB', (text, mb) => {
    expect(parseMemoryMb(text)).toBe(mb)
  })

  it.each(['abc', '', 'm', '-1m', '1x', '1 g b', '1e3', 'NaN', '1g2'])('%s → undefined', text => {
    expect(parseMemoryMb(text)).toBeUndefined()
  })
})
