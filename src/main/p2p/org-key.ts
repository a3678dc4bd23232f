// The organisation key is the membership secret: every peer of one organisation holds the same
// 32 bytes, and it is bound into the Noise handshake (see encrypter.ts) so outsiders cannot connect.
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { NOISE_PROLOGUE_LABEL, ORG_KEY_BYTES, ORG_KEY_FILE_HEADER, SECRET_FILE_MODE } from './constants.js'
import { OrgKeyError } from './errors.js'

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Parses the text of an organisation key file; `source` names the file in errors. */
export function parseOrgKey (text: string, source: string): Uint8Array {
  const lines = text.split(/\r?\n/).map(line => line.trim())
  if (lines[0] !== ORG_KEY_FILE_HEADER) {
    throw new OrgKeyError(`Organisation key file ${source} is malformed: first line must be "${ORG_KEY_FILE_HEADER}"`)
  }
  const encoded = lines[1] ?? ''
  // Buffer.from(..., 'base64') silently skips junk, so check the alphabet first
  const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0)
  if (key.byteLength !== ORG_KEY_BYTES) {
    throw new OrgKeyError(`Organisation key file ${source} is malformed: second line must be base64 of ${ORG_KEY_BYTES} bytes`)
  }
  return new Uint8Array(key)
}

export function formatOrgKey (key: Uint8Array): string {
  assertOrgKey(key)
  return `${ORG_KEY_FILE_HEADER}\n${Buffer.from(key).toString('base64')}\n`
}

/** Reads an organisation key file; throws OrgKeyError naming the file when missing or malformed. */
export async function orgKeyFromFile (path: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const reason = err?.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err?.code ?? err?.message})`
    throw new OrgKeyError(`Organisation key file ${path} ${reason}`, { cause: err })
  }
  return parseOrgKey(text, path)
}

/** The organisation key file's name in a peer's data dir (used unless --org-key names another). */
export const DEFAULT_ORG_KEY_FILE = 'org.key'

/** A fresh random organisation key. */
export function newOrgKey (): Uint8Array {
  return new Uint8Array(randomBytes(ORG_KEY_BYTES))
}

/**
 * Creates a new organisation key file (mode 0600) and returns the key. Refuses to overwrite an
 * existing file unless `overwrite`: replacing the key silently would cut peers off from their organisation.
 */
export async function createOrgKeyFile (path: string, options: { overwrite?: boolean } = {}): Promise<Uint8Array> {
  const key = newOrgKey()
  if (options.overwrite === true) {
    await writeSecretFile(path, formatOrgKey(key))
    return key
  }
  await mkdir(dirname(path), { recursive: true })
  try {
    await writeFile(path, formatOrgKey(key), { mode: SECRET_FILE_MODE, flag: 'wx' })
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const reason = err?.code === 'EEXIST' ? 'already exists' : `cannot be written (${err?.code ?? err?.message})`
    throw new OrgKeyError(`Organisation key file ${path} ${reason}`, { cause: err })
  }
  return key
}

/** Short, stable, non-secret name for a key so people can compare it aloud: `ab12-cd34-ef56-7890`. */
export function orgKeyFingerprint (key: Uint8Array): string {
  assertOrgKey(key)
  const hex = createHash('sha256').update(key).digest('hex').slice(0, 16)
  return hex.match(/.{4}/g)!.join('-')
}

/**
 * Noise prologue for an organisation: HMAC(orgKey, label). Both sides mix the prologue into the
 * handshake hash, so peers with different keys fail the handshake; the key itself never goes on the wire.
 */
export function noisePrologue (key: Uint8Array): Uint8Array {
  assertOrgKey(key)
  return new Uint8Array(createHmac('sha256', key).update(NOISE_PROLOGUE_LABEL).digest())
}

function assertOrgKey (key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== ORG_KEY_BYTES) {
    throw new OrgKeyError(`Organisation key must be ${ORG_KEY_BYTES} bytes`)
  }
}

/** Writes a file atomically with owner-only permissions (used for secrets). */
export async function writeSecretFile (path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode: SECRET_FILE_MODE })
  await rename(tmp, path)
}
