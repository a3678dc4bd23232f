import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OrgKeyError, IdentityError } from './errors.js'
import { loadOrCreateIdentity } from './identity.js'
import { createOrgKeyFile, noisePrologue, orgKeyFingerprint, orgKeyFromFile } from './org-key.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mc-p2p-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('organisation key file', () => {
  it('round-trips a created key through the file, owner-only', async () => {
    const path = join(dir, 'org.key')
    const created = await createOrgKeyFile(path)
    expect(created.byteLength).toBe(32)
    expect(await orgKeyFromFile(path)).toEqual(created)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await readFile(path, 'utf8')).split('\n')[0]).toBe('mcloud-org-key v1')
  })

  it('refuses to overwrite an existing key file', async () => {
    const path = join(dir, 'org.key')
    await createOrgKeyFile(path)
    await expect(createOrgKeyFile(path)).rejects.toThrow(OrgKeyError)
  })

  it.each([
    ['wrong header', 'mcloud-org-key v9\nAAAA\n'],
    ['short key', 'mcloud-org-key v1\n' + Buffer.alloc(16).toString('base64') + '\n'],
    ['not base64', 'mcloud-org-key v1\n' + '!'.repeat(44) + '\n'],
    ['empty', '']
  ])('names the file when it is malformed (%s)', async (_label, text) => {
    const path = join(dir, 'bad.key')
    await writeFile(path, text)
    const err = await orgKeyFromFile(path).catch(e => e)
    expect(err).toBeInstanceOf(OrgKeyError)
    expect(err.name).toBe('OrgKeyError')
    expect(err.message).toContain(path)
  })

  it('names the file when it is missing', async () => {
    const path = join(dir, 'missing.key')
    const err = await orgKeyFromFile(path).catch(e => e)
    expect(err).toBeInstanceOf(OrgKeyError)
    expect(err.message).toContain(path)
    expect(err.message).toContain('does not exist')
  })

  it('has a short fingerprint that is stable and differs between keys', async () => {
    const a = await createOrgKeyFile(join(dir, 'a.key'))
    const b = await createOrgKeyFile(join(dir, 'b.key'))
    expect(orgKeyFingerprint(a)).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
    expect(orgKeyFingerprint(a)).toBe(orgKeyFingerprint(await orgKeyFromFile(join(dir, 'a.key'))))
    expect(orgKeyFingerprint(a)).not.toBe(orgKeyFingerprint(b))
    // a fixed key always gives the same fingerprint across releases
    expect(orgKeyFingerprint(new Uint8Array(32))).toBe('66687aadf862bd77'.match(/.{4}/g)!.join('-'))
  })

  it('derives a prologue that is not the key itself and differs per organisation', async () => {
    const a = await createOrgKeyFile(join(dir, 'a.key'))
    const b = await createOrgKeyFile(join(dir, 'b.key'))
    expect(noisePrologue(a)).toEqual(noisePrologue(a))
    expect(noisePrologue(a)).not.toEqual(a)
    expect(noisePrologue(a)).not.toEqual(noisePrologue(b))
  })
})

describe('identity key file', () => {
  it('creates the identity once and reuses it', async () => {
    const first = await loadOrCreateIdentity(dir)
    const second = await loadOrCreateIdentity(dir)
    expect(first.type).toBe('Ed25519')
    expect(second.equals(first)).toBe(true)
    expect((await stat(join(dir, 'identity.key'))).mode & 0o777).toBe(0o600)
  })

  it('names the file when it is corrupt', async () => {
    await writeFile(join(dir, 'identity.key'), 'garbage')
    const err = await loadOrCreateIdentity(dir).catch(e => e)
    expect(err).toBeInstanceOf(IdentityError)
    expect(err.message).toContain(join(dir, 'identity.key'))
  })
})
