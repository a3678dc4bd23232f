// One real libp2p node and its content store on a temp dir: what goes in comes out byte for byte,
// names stay inside the target, released content goes after its retention and the rest stays,
// also across a restart and with a damaged retention file.
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cidString } from '../../shared/schemas.js'
import { createP2P, newOrgKey, type MCLibp2p } from '../p2p/index.js'
import { createContentStore, ContentFetchError, ContentMissingError, ContentTooBigError, UnsafeEntryNameError, type ContentStore } from './index.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('content store (one peer)', () => {
  let node: MCLibp2p
  let root: string
  let store: ContentStore | undefined
  const logs: string[] = []

  const open = async (name: string, retainMs?: number): Promise<ContentStore> => {
    store = await createContentStore({ node, dir: join(root, name), retainMs, log: m => { logs.push(m) } })
    return store
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcloud-content-'))
    node = await createP2P({
      privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], orgKey: newOrgKey(),
      mdns: false, iceServers: [], validators: { mc: async () => {} }, selectors: { mc: () => 0 }
    })
    await node.start()
  })
  afterEach(async () => { await store?.stop(); store = undefined })
  afterAll(async () => {
    await node?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('adds a file and exports it byte-identical under its name', async () => {
    const s = await open('file')
    const data = randomBytes(3 * 1024 * 1024 + 17)
    await writeFile(join(root, 'input.bin'), data)
    const progress: number[] = []
    const added = await s.addPath(join(root, 'input.bin'), { onProgress: p => { progress.push(p.bytes) } })
    expect(cidString.safeParse(added.cid).success, added.cid).toBe(true)
    expect(added).toMatchObject({ bytes: data.length, name: 'input.bin' })
    expect(progress.at(-1)).toBe(data.length)
    expect(await s.has(added.cid)).toBe(true)
    expect(await s.fetch(added.cid)).toEqual({ bytes: data.length })
    const out = join(root, 'out-file')
    expect(await s.exportTo(added.cid, out, { name: 'input.bin' })).toEqual({ bytes: data.length })
    expect(sha(await readFile(join(out, 'input.bin')))).toBe(sha(data))
    expect(await s.diskBytes()).toBeGreaterThanOrEqual(data.length)
  })

  it('adds a directory tree (empty sub-directory included, symlinks left out) and exports it', async () => {
    const s = await open('dir')
    const src = join(root, 'task-input')
    await mkdir(join(src, 'sub', 'empty'), { recursive: true })
    await writeFile(join(src, 'a.txt'), 'alpha')
    await writeFile(join(src, 'sub', 'b.bin'), randomBytes(2_000_000))
    await symlink('/etc/passwd', join(src, 'passwd-link'))
    const added = await s.addPath(src)
    expect(added).toMatchObject({ name: 'task-input', bytes: 5 + 2_000_000 })
    expect(logs.some(l => l.includes('passwd-link'))).toBe(true)

    const out = join(root, 'out-dir')
    await s.exportTo(added.cid, out, { name: 'input' })
    expect((await readdir(join(out, 'input'))).sort()).toEqual(['a.txt', 'sub'])
    expect((await readdir(join(out, 'input', 'sub'))).sort()).toEqual(['b.bin', 'empty'])
    expect(sha(await readFile(join(out, 'input', 'sub', 'b.bin')))).toBe(sha(await readFile(join(src, 'sub', 'b.bin'))))
    // name null: the directory's entries straight into the target
    await s.exportTo(added.cid, join(root, 'flat'), { name: null })
    expect(await readFile(join(root, 'flat', 'a.txt'), 'utf8')).toBe('alpha')
  })

  it('refuses names that would write outside the target, and content that is not here', async () => {
    const s = await open('names')
    await writeFile(join(root, 'n.txt'), 'n')
    const { cid } = await s.addPath(join(root, 'n.txt'))
    for (const name of ['..', '.', '', 'a/b', 'a\\b']) {
      await expect(s.exportTo(cid, join(root, 'out-names'), { name })).rejects.toThrow(UnsafeEntryNameError)
    }
    await s.stop()
    const fresh = await open('names-2')
    await expect(fresh.exportTo(cid, join(root, 'out-missing'))).rejects.toThrow(ContentMissingError)
    expect(await fresh.has(cid)).toBe(false)
    await expect(fresh.fetch('not-a-cid')).rejects.toMatchObject({ name: 'ContentFetchError', reason: 'invalid' })
    await expect(fresh.fetch('not-a-cid')).rejects.toThrow(ContentFetchError)
  })

  it('adds a task output directory as one DAG: null when empty, refused past maxBytes', async () => {
    const s = await open('output')
    const out = join(root, 'task-output')
    await mkdir(out)
    expect(await s.addDirectoryContents(out)).toBeNull()
    await writeFile(join(out, 'result.txt'), 'x'.repeat(1000))
    await writeFile(join(out, 'log.txt'), 'y'.repeat(500))
    await expect(s.addDirectoryContents(out, { maxBytes: 1200 })).rejects.toThrow(ContentTooBigError)
    const added = await s.addDirectoryContents(out, { maxBytes: 1500 })
    expect(added?.bytes).toBe(1500)
    await s.exportTo(added!.cid, join(root, 'result'), { name: null })
    expect((await readdir(join(root, 'result'))).sort()).toEqual(['log.txt', 'result.txt'])
  })

  it('collects released content after its retention, keeps the rest, and remembers releases across a restart', async () => {
    let s = await open('gc', 300)
    await writeFile(join(root, 'keep.bin'), randomBytes(1_500_000))
    await writeFile(join(root, 'drop.bin'), randomBytes(1_500_000))
    await writeFile(join(root, 'later.bin'), randomBytes(1_500_000))
    const keep = await s.addPath(join(root, 'keep.bin'))
    const drop = await s.addPath(join(root, 'drop.bin'))
    const later = await s.addPath(join(root, 'later.bin'))
    const before = await s.diskBytes()

    s.release(drop.cid)
    s.release(keep.cid)
    s.retain(keep.cid)
    expect(await s.collectGarbage()).toEqual({ roots: 0 }) // not yet past retention
    expect(await s.has(drop.cid)).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 350))
    expect(await s.collectGarbage()).toEqual({ roots: 1 })
    expect(await s.has(drop.cid)).toBe(false)
    expect(await s.has(keep.cid)).toBe(true)
    expect(await s.diskBytes()).toBeLessThan(before - 1_400_000)

    s.release(later.cid)
    await s.stop()
    s = await open('gc', 0)
    expect(await s.collectGarbage()).toEqual({ roots: 1 })
    expect(await s.has(later.cid)).toBe(false)
    expect(await s.has(keep.cid)).toBe(true)
  })

  it('starts with a damaged retention file, collects nothing, and rewrites the file at the next release', async () => {
    const dir = join(root, 'damaged')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'retention.json'), '{"version":1,"released":{"bafy')
    const s = await open('damaged', 0)
    expect(logs.some(l => l.includes('damaged'))).toBe(true)
    await writeFile(join(root, 'd.bin'), 'd')
    const { cid } = await s.addPath(join(root, 'd.bin'))
    expect(await s.collectGarbage()).toEqual({ roots: 0 })
    expect(await s.has(cid)).toBe(true)
    s.release(cid)
    await s.stop()
    const body = JSON.parse(await readFile(join(dir, 'retention.json'), 'utf8')) as { released: Record<string, number> }
    expect(Object.keys(body.released)).toEqual([cid])
  })
})
