// The peer's identity (its PeerId) is an Ed25519 key kept in the data dir; losing it makes the
// peer a stranger to records it signed, so it is created once and reused.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IDENTITY_FILE } from './constants.js'
import { IdentityError } from './errors.js'
import { writeSecretFile } from './org-key.js'
import type { PrivateKey } from '@libp2p/interface'

/** Loads `<dataDir>/identity.key`, creating it (mode 0600) with a new Ed25519 key when absent. */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(path)
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err?.code !== 'ENOENT') {
      throw new IdentityError(`Identity key file ${path} cannot be read (${err?.code ?? err?.message})`, { cause: err })
    }
  }
  if (bytes != null) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new IdentityError(`Identity key file ${path} is malformed`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writeSecretFile(path, privateKeyToProtobuf(key))
  return key
}
