// The store's block files: what OrgBlockstore writes, FsBlockstore reads and the other way round
// (same layout on disk), a block comes back in one buffer, a missing one is NotFound, and
// concurrent puts of one block leave one whole file and no temp files behind.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OrgBlockstore } from './blockstore.js'

const block = async (bytes: Uint8Array): Promise<{ cid: CID, bytes: Uint8Array }> => ({ cid: CID.create(1, raw.code, await sha256.digest(bytes)), bytes })

const chunksOf = async (it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> => {
  const out: Uint8Array[] = []
  for await (const c of it) out.push(c)
  return out
}

async function filesUnder (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => e.name)
}

describe('OrgBlockstore', () => {
  let root: string
  beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'mcloud-blockstore-')) })
  afterAll(async () => { await rm(root, { recursive: true, force: true }) })

  it('reads a 1 MiB block in one buffer, and shares its layout with FsBlockstore', async () => {
    const dir = join(root, 'layout')
    const ours = new OrgBlockstore(dir)
    const theirs = new FsBlockstore(dir)
    await ours.open()
    const a = await block(randomBytes(1 << 20))
    const b = await block(randomBytes(1000))
    await ours.put(a.cid, a.bytes)
    await theirs.put(b.cid, b.bytes)
    const got = await chunksOf(ours.get(a.cid))
    expect(got).toHaveLength(1)
    expect(Buffer.compare(got[0]!, a.bytes)).toBe(0)
    expect(Buffer.compare(Buffer.concat(await chunksOf(theirs.get(a.cid))), a.bytes)).toBe(0)
    expect(Buffer.compare(Buffer.concat(await chunksOf(ours.get(b.cid))), b.bytes)).toBe(0)
    expect(await theirs.has(a.cid)).toBe(true)
    const all = await chunksOf((async function * () { for await (const p of theirs.getAll()) yield p.cid.bytes })())
    expect(all).toHaveLength(2)
  })

  it('reports a missing block as NotFoundError', async () => {
    const store = new OrgBlockstore(join(root, 'missing'))
    await store.open()
    const { cid } = await block(randomBytes(10))
    await expect(chunksOf(store.get(cid))).rejects.toMatchObject({ name: 'NotFoundError' })
    expect(await store.has(cid)).toBe(false)
  })

  it('puts one block many times at once: one whole file, no temp files', async () => {
    const dir = join(root, 'concurrent')
    const store = new OrgBlockstore(dir)
    await store.open()
    const a = await block(randomBytes(256 * 1024))
    await Promise.all(Array.from({ length: 8 }, async () => await store.put(a.cid, a.bytes)))
    expect(Buffer.compare(Buffer.concat(await chunksOf(store.get(a.cid))), a.bytes)).toBe(0)
    const files = await filesUnder(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/\.data$/)
  })

  it('makes a shard directory again when it was removed under the store', async () => {
    const dir = join(root, 'wiped')
    const store = new OrgBlockstore(dir)
    await store.open()
    const a = await block(randomBytes(100))
    const b = await block(randomBytes(101))
    await store.put(a.cid, a.bytes)
    await rm(dir, { recursive: true, force: true })
    await store.put(a.cid, a.bytes)
    await store.put(b.cid, b.bytes)
    expect(await store.has(a.cid)).toBe(true)
    expect(await store.has(b.cid)).toBe(true)
  })
})
