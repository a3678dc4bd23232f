// The wire format every peer parses from strangers: anything malformed is a RecordFormatError
// naming the field, never a crash.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromString, toString } from 'uint8arrays'
import {
  decodeEnvelope, decodePayload, deriveTaskId, encodeEnvelope, encodePayload, MAX_RECORD_BYTES, RecordFormatError,
  sha256Hex, signingBytes, type Envelope
} from './envelope.js'
import { parseKey } from './keys.js'
import { PROTOCOL_VERSION } from './schemas.js'

const SIGNER = '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij'
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

const valid: Envelope = {
  v: PROTOCOL_VERSION, key: `/mc/node/${SIGNER}/lease`, payload: encodePayload({ hello: 'world' }), signer: SIGNER, sig: new Uint8Array(64).fill(7)
}
const wire = (): Record<string, unknown> => JSON.parse(new TextDecoder().decode(encodeEnvelope(valid)))
const bytesOf = (o: unknown): Uint8Array => utf8(JSON.stringify(o))

function formatError (fn: () => unknown): RecordFormatError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RecordFormatError)
    return err as RecordFormatError
  }
  throw new Error('expected a RecordFormatError, nothing was thrown')
}

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips every field', () => {
    const back = decodeEnvelope(encodeEnvelope(valid))
    expect(back.v).toBe(valid.v)
    expect(back.key).toBe(valid.key)
    expect(back.signer).toBe(valid.signer)
    expect(toString(back.payload)).toBe(toString(valid.payload))
    expect(back.sig).toEqual(valid.sig)
  })

  it('rejects a record over 16 KiB, naming size', () => {
    const big = new Uint8Array(MAX_RECORD_BYTES + 1).fill(0x20)
    const err = formatError(() => decodeEnvelope(big))
    expect(err.field).toBe('size')
    expect(err.message).toContain(String(MAX_RECORD_BYTES))
  })

  it('accepts a record of exactly 16 KiB (the limit is inclusive)', () => {
    const base = encodeEnvelope({ ...valid, payload: new Uint8Array(0) }).byteLength
    // every 3 payload bytes become 4 base64 characters
    const payloadLen = Math.floor((MAX_RECORD_BYTES - base) / 4) * 3
    const rec = encodeEnvelope({ ...valid, payload: new Uint8Array(payloadLen).fill(0x61) })
    expect(rec.byteLength).toBeLessThanOrEqual(MAX_RECORD_BYTES)
    expect(rec.byteLength).toBeGreaterThan(MAX_RECORD_BYTES - 4)
    expect(decodeEnvelope(rec).payload.byteLength).toBe(payloadLen)
  })

  it('rejects non-JSON and invalid UTF-8 as the envelope', () => {
    expect(formatError(() => decodeEnvelope(utf8('not json'))).field).toBe('envelope')
    expect(formatError(() => decodeEnvelope(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]))).field).toBe('envelope')
    expect(formatError(() => decodeEnvelope(new Uint8Array(0))).field).toBe('envelope')
  })

  it('rejects JSON that is not an object, naming the envelope', () => {
    for (const text of ['42', 'null', '"x"', '[]', 'true']) {
      const err = formatError(() => decodeEnvelope(utf8(text)))
      expect(err.field, text).toBe('envelope')
    }
  })

  it.each(['v', 'key', 'payload', 'signer', 'sig'])('rejects a missing %s, naming it', field => {
    const w = wire()
    delete w[field]
    const err = formatError(() => decodeEnvelope(bytesOf(w)))
    expect(err.field).toBe(field)
    expect(err.message).toContain(field)
  })

  it('rejects wrong types and values per field', () => {
    const cases: Array<[string, unknown]> = [
      ['v', 2], ['v', '1'], ['key', ''], ['key', 'x'.repeat(201)], ['key', 5],
      ['signer', 'not-a-peer-id'], ['signer', 'O'.repeat(52)], ['sig', ''], ['sig', 'A'.repeat(516)], ['payload', 7]
    ]
    for (const [field, value] of cases) {
      const err = formatError(() => decodeEnvelope(bytesOf({ ...wire(), [field]: value })))
      expect(err.field, `${field}=${JSON.stringify(value)}`).toBe(field)
    }
  })

  it('accepts one encoding per record: duplicate keys, spacing or another field order are malformed', () => {
    const text = new TextDecoder().decode(encodeEnvelope(valid))
    const { v, key, payload, signer, sig } = wire()
    for (const variant of [
      text.replace('{"v":1,', `{"v":1,"key":"/mc/x","payload":"","signer":"${SIGNER}","sig":"AA==",`),
      text.replace('"v":1,', '"v": 1,'), ` ${text}`, `${text}\n`,
      JSON.stringify({ key, v, payload, signer, sig })
    ]) {
      expect(JSON.parse(variant)).toEqual(wire()) // the same envelope to JSON.parse …
      expect(formatError(() => decodeEnvelope(utf8(variant))).field, variant).toBe('envelope') // … not to a replica
    }
  })

  it('rejects unknown extra fields', () => {
    expect(() => decodeEnvelope(bytesOf({ ...wire(), extra: 1 }))).toThrow(RecordFormatError)
  })

  it('rejects bad base64 in payload and sig, naming the field', () => {
    for (const bad of ['not base64!', 'abc', 'ab=c', 'A===', '====', '%%%%', 'YQ', 'AAa=', 'AB==', 'QUJD\nREVG']) {
      expect(formatError(() => decodeEnvelope(bytesOf({ ...wire(), payload: bad }))).field, bad).toBe('payload')
      if (bad !== '') expect(formatError(() => decodeEnvelope(bytesOf({ ...wire(), sig: bad }))).field, bad).toBe('sig')
    }
  })

  it('round-trips any payload and sig bytes (every canonical base64 string is accepted)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 128 }), (payload, sig) => {
      const back = decodeEnvelope(encodeEnvelope({ ...valid, payload, sig }))
      expect(back.payload).toEqual(payload)
      expect(back.sig).toEqual(sig)
    }), { numRuns: 1000 })
  })

  it('treats payload bytes that are not JSON as a payload error', () => {
    expect(formatError(() => decodePayload(new Uint8Array([0xc3, 0x28]))).field).toBe('payload')
    expect(formatError(() => decodePayload(utf8('{'))).field).toBe('payload')
    expect(decodePayload(encodePayload({ a: [1, 'b'] }))).toEqual({ a: [1, 'b'] })
  })
})

describe('signingBytes', () => {
  it('is domain-separated and binds the key: the same payload under two keys signs different bytes', () => {
    const p = utf8('{"seq":1}')
    const a = signingBytes('/mc/node/x/meta', p)
    const b = signingBytes('/mc/node/x/lease', p)
    expect(toString(a)).not.toBe(toString(b))
    expect(toString(a).startsWith(`mcloud-record/v${PROTOCOL_VERSION}\n/mc/node/x/meta\n`)).toBe(true)
    expect(toString(a).endsWith('{"seq":1}')).toBe(true)
  })

  it('cannot be confused by a key containing the separator: no valid key holds a newline', () => {
    // signingBytes('k\nX', 'Y') equals signingBytes('k', 'X\nY'); that is safe only because
    // parseKey (run before any signature check) refuses every key with a newline in it
    const id = 'a'.repeat(64)
    expect(parseKey(`/mc/task/${id}/state`)).toBeDefined()
    expect(parseKey(`/mc/task/${id}/state\n`)).toBeUndefined()
    expect(parseKey(`/mc/task/${id}\n/state`)).toBeUndefined()
    expect(parseKey(`/mc/node/${SIGNER}\n/meta`)).toBeUndefined()
  })
})

describe('deriveTaskId', () => {
  it('binds the task id to both the submitter and the spec hash', () => {
    const h = sha256Hex(utf8('spec'))
    const id = deriveTaskId(SIGNER, h)
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(deriveTaskId(SIGNER, h)).toBe(id)
    expect(deriveTaskId(SIGNER.replace('Ab', 'Ac'), h)).not.toBe(id)
    expect(deriveTaskId(SIGNER, sha256Hex(utf8('spec2')))).not.toBe(id)
  })

  it('sha256Hex matches a known vector', () => {
    expect(sha256Hex(fromString('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
