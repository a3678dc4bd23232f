// kad-dht validators and selectors for the "mc" namespace (DESIGN.md "Records and keys").
import { comparatorFor, KEY_NAMESPACE, selectBest } from '../../shared/index.js'
import { openRecord, readRecord, type OpenedRecord } from './codec.js'
import { SignerRefusedError } from './errors.js'

const keyString = (key: Uint8Array): string => new TextDecoder().decode(key)

/** Rejects bad signature, wrong key, schema-invalid payload, oversize, or a signer not allowed for the key. */
export async function validateDhtRecord (key: Uint8Array, value: Uint8Array): Promise<void> {
  await openRecord(value, keyString(key))
}

/**
 * Index of the best record by the shared order. kad-dht selectors are synchronous, so this checks
 * everything but the signature; records reach a replica only through the async validator.
 * Unreadable records always lose.
 */
export function selectDhtRecord (key: Uint8Array, records: Uint8Array[]): number {
  const k = keyString(key)
  const readable: Array<{ i: number, rec: OpenedRecord }> = []
  records.forEach((bytes, i) => {
    try { readable.push({ i, rec: readRecord(bytes, k) }) } catch { /* loses */ }
  })
  if (readable.length === 0) return 0
  const cmp = comparatorFor(readable[0]!.rec.parsed.kind)
  const best = selectBest(readable, (a, b) => cmp(a.rec, b.rec))
  return readable[best]!.i
}

export const dhtValidators = { [KEY_NAMESPACE]: validateDhtRecord }

/**
 * Validators that also refuse records signed by a peer the owner shut out (PeerAccess): a
 * member relaying such a record gets no acknowledgement, and reads never select it.
 */
export function dhtValidatorsFor (admits: (signer: string) => boolean): typeof dhtValidators {
  return {
    [KEY_NAMESPACE]: async (key: Uint8Array, value: Uint8Array): Promise<void> => {
      const rec = await openRecord(value, keyString(key))
      if (!admits(rec.signer)) throw new SignerRefusedError(rec.signer)
    }
  }
}
export const dhtSelectors = { [KEY_NAMESPACE]: selectDhtRecord }

/** The shared order applied to opened records: negative when a is better. */
export function compareOpened (a: OpenedRecord, b: OpenedRecord): number {
  return comparatorFor(a.parsed.kind)(a, b)
}
