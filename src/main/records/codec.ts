// Signing and opening of envelopes: the crypto half of the record rules in src/shared.
import { peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import {
  checkRecord, decodeEnvelope, encodeEnvelope, encodePayload, signingBytes, sigHash, PROTOCOL_VERSION,
  type ParsedKey, type RecordValues, type RecordKind
} from '../../shared/index.js'
import { InvalidSignatureError } from './errors.js'

/** A record that passed every check: schema, key, signer rule and (when opened) signature. */
export interface OpenedRecord<K extends RecordKind = RecordKind> {
  key: string
  parsed: ParsedKey & { kind: K }
  value: RecordValues[K]
  signer: string
  sigHash: string
  bytes: Uint8Array
}

export async function signRecord (privateKey: PrivateKey, signer: string, key: string, value: unknown): Promise<Uint8Array> {
  const payload = encodePayload(value)
  const sig = await privateKey.sign(signingBytes(key, payload))
  return encodeEnvelope({ v: PROTOCOL_VERSION, key, payload, signer, sig })
}

/** Decodes and checks a record without its signature (the sync path kad-dht selectors need). */
export function readRecord (bytes: Uint8Array, expectedKey?: string): OpenedRecord & { payload: Uint8Array, sig: Uint8Array } {
  const env = decodeEnvelope(bytes)
  const { key, value } = checkRecord(env, expectedKey)
  return { key: env.key, parsed: key, value, signer: env.signer, sigHash: sigHash(env.sig), bytes, payload: env.payload, sig: env.sig }
}

// Verifying ed25519 costs ~0.1 ms but the same bytes arrive many times (gossip, DHT, get
// corrections): remember the digests of records already verified, bounded.
const verified = new Set<string>()
const VERIFIED_MAX = 50_000

/** Full check including the signature; throws RecordFormatError or InvalidSignatureError. */
export async function openRecord (bytes: Uint8Array, expectedKey?: string): Promise<OpenedRecord> {
  const rec = readRecord(bytes, expectedKey)
  const memo = sigHash(bytes) // digest of the whole envelope: key, payload, signer and sig are all covered
  if (verified.has(memo)) return rec
  let ok = false
  try {
    const publicKey = peerIdFromString(rec.signer).publicKey
    ok = publicKey != null && await publicKey.verify(signingBytes(rec.key, rec.payload), rec.sig)
  } catch {
    ok = false
  }
  if (!ok) throw new InvalidSignatureError()
  if (verified.size >= VERIFIED_MAX) verified.clear()
  verified.add(memo)
  return rec
}
