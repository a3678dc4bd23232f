// Signed envelope wire format: {v, key, payload, signer, sig}, JSON with base64 bytes.
// Signature checking needs libp2p crypto and lives in src/main/records; this file is pure.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { fromString, toString } from 'uint8arrays'
import { equals } from 'uint8arrays/equals'
import { z } from 'zod'
import { peerIdString, PROTOCOL_VERSION } from './schemas.js'

/** Records larger than this are rejected by every peer (DESIGN.md). */
export const MAX_RECORD_BYTES = 16 * 1024

export interface Envelope {
  v: number
  key: string
  payload: Uint8Array
  signer: string
  sig: Uint8Array
}

export class RecordFormatError extends Error {
  override name = 'RecordFormatError'
  constructor (message: string, readonly field?: string) { super(message) }
}

const wireSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  key: z.string().min(1).max(200),
  payload: z.string().max(MAX_RECORD_BYTES * 2),
  signer: peerIdString,
  sig: z.string().min(1).max(512)
}).strict()

const b64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/ // canonical only: non-zero pad bits made the decoder throw a bare SyntaxError

export function encodeEnvelope (e: Envelope): Uint8Array {
  return utf8ToBytes(JSON.stringify({
    v: e.v, key: e.key, payload: toString(e.payload, 'base64pad'), signer: e.signer, sig: toString(e.sig, 'base64pad')
  }))
}

/** Parses envelope bytes; throws RecordFormatError naming the field on anything malformed. */
export function decodeEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_RECORD_BYTES) throw new RecordFormatError(`record is ${bytes.byteLength} bytes, more than ${MAX_RECORD_BYTES}`, 'size')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new RecordFormatError('record is not UTF-8 JSON', 'envelope')
  }
  const parsed = wireSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue === undefined || issue.path.length === 0 ? 'envelope' : issue.path.join('.')
    throw new RecordFormatError(`envelope ${field}: ${issue?.message ?? 'invalid'}`, field)
  }
  const w = parsed.data
  if (!b64.test(w.payload) || w.payload.length % 4 !== 0) throw new RecordFormatError('envelope payload: not base64', 'payload')
  if (!b64.test(w.sig) || w.sig.length % 4 !== 0) throw new RecordFormatError('envelope sig: not base64', 'sig')
  const env = { v: w.v, key: w.key, payload: fromString(w.payload, 'base64pad'), signer: w.signer, sig: fromString(w.sig, 'base64pad') }
  // One encoding per record: JSON.parse keeps the last of duplicate keys and ignores spacing, so
  // without this anyone could mint endless byte-different copies of a genuine record (each a fresh
  // signature check, gossip message and stored copy). Found by records.fuzz.test.ts.
  if (!equals(encodeEnvelope(env), bytes)) throw new RecordFormatError('record is not in canonical form', 'envelope')
  return env
}

/** The bytes a signer signs: domain-separated so a record signature can never be replayed as anything else. */
export function signingBytes (key: string, payload: Uint8Array): Uint8Array {
  const head = utf8ToBytes(`mcloud-record/v${PROTOCOL_VERSION}\n${key}\n`)
  const out = new Uint8Array(head.byteLength + payload.byteLength)
  out.set(head, 0)
  out.set(payload, head.byteLength)
  return out
}

export const sha256Hex = (bytes: Uint8Array): string => bytesToHex(sha256(bytes))
export const sigHash = (sig: Uint8Array): string => sha256Hex(sig)

/**
 * taskId = hash of the spec bytes, bound to the submitter: state and cancel records carry
 * (submitter, specHash), so any peer can check who may write epoch 0 without fetching the spec.
 */
export function deriveTaskId (submitter: string, specHash: string): string {
  return sha256Hex(utf8ToBytes(`mcloud-task/v${PROTOCOL_VERSION}\n${submitter}\n${specHash}`))
}

export const encodePayload = (value: unknown): Uint8Array => utf8ToBytes(JSON.stringify(value))
export function decodePayload (bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new RecordFormatError('payload is not UTF-8 JSON', 'payload')
  }
}
