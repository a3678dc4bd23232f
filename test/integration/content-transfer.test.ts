// Task inputs between real organisation peers on 127.0.0.1: what A adds, B fetches byte for byte
// (bitswap, every block checked against its CID) and then serves to C once A is gone; a fetch of
// content nobody has, or of more than the caller allows, fails in bounded time with a clear reason;
// released content goes after its retention; a member not connected to the holder finds it
// through the root's provider record in our DHT.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContentStore, type ContentStore } from '../../src/main/data/index.js'
import { newOrgKey, type MCLibp2p } from '../../src/main/p2p/index.js'
import { waitFor } from '../helpers/cluster.js'
import { sha256File } from '../helpers/files.js'
import { startMember } from '../helpers/p2p-member.js'

const MB = 1_000_000

interface Member { node: MCLibp2p, store: ContentStore }

describe('content transfer between members', () => {
  let root: string
  let a: Member, b: Member, c: Member
  let big: { cid: string, sha: string }

  const member = async (name: string): Promise<Member> => {
    const node = await startMember(orgKey)
    return { node, store: await createContentStore({ node, dir: join(root, name), retainMs: 500 }) }
  }
  const orgKey = newOrgKey()

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcloud-transfer-'))
    ;[a, b, c] = await Promise.all([member('a'), member('b'), member('c')])
    await b.node.dial(a.node.getMultiaddrs()[0]!)
    await c.node.dial(a.node.getMultiaddrs()[0]!)
    const file = join(root, 'input-50mb.bin')
    await writeFile(file, randomBytes(50 * MB))
    const added = await a.store.addPath(file)
    expect(added.bytes).toBe(50 * MB)
    big = { cid: added.cid, sha: await sha256File(file) }
  })

  afterAll(async () => {
    for (const m of [a, b, c]) {
      await m?.store.stop().catch(() => {})
      await Promise.resolve(m?.node.stop()).catch(() => {})
    }
    await rm(root, { recursive: true, force: true })
  })

  it('B fetches 50 MB that A added, with progress, and exports it byte-identical', async () => {
    const progress: Array<{ bytes: number, total: number | null }> = []
    const started = Date.now()
    const { bytes } = await b.store.fetch(big.cid, { expectedBytes: 50 * MB, hintPeers: [a.node.peerId.toString()], onProgress: p => { progress.push(p) } })
    const fetchMs = Date.now() - started
    expect(bytes).toBe(50 * MB)
    expect(progress.length).toBeGreaterThan(10)
    expect(progress.at(-1)).toEqual({ bytes: 50 * MB, total: 50 * MB })
    expect(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes)).toBe(true)
    expect(await b.store.has(big.cid)).toBe(true)
    const out = join(root, 'b-out')
    await b.store.exportTo(big.cid, out, { name: 'input.bin' })
    expect(await sha256File(join(out, 'input.bin'))).toBe(big.sha)
    console.info(`content-transfer: 50 MB fetched in ${fetchMs} ms (${(50 * MB / 1e6 / (fetchMs / 1000)).toFixed(1)} MB/s)`)
  })

  it('C fetches it from B once A is stopped (B was hinted; its address is in C\'s peer store)', async () => {
    await a.store.stop()
    await a.node.stop()
    await c.node.peerStore.merge(b.node.peerId, { multiaddrs: b.node.getMultiaddrs() })
    // B's DHT announcement may have connected them already: the hint must do the dialling here
    await c.node.hangUp(b.node.peerId)
    expect(c.node.getConnections(b.node.peerId)).toHaveLength(0)
    const { bytes } = await c.store.fetch(big.cid, { hintPeers: [b.node.peerId.toString()], stallMs: 5000 })
    expect(bytes).toBe(50 * MB)
    const out = join(root, 'c-out')
    await c.store.exportTo(big.cid, out, { name: 'input.bin' })
    expect(await sha256File(join(out, 'input.bin'))).toBe(big.sha)
  })

  it('a CID nobody has fails within stallMs with reason stalled and a message a user understands', async () => {
    // a valid CIDv1 (raw, sha2-256) of bytes no member ever added
    const { CID } = await import('multiformats/cid')
    const { sha256 } = await import('multiformats/hashes/sha2')
    const missing = CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString()
    const started = Date.now()
    const err = await c.store.fetch(missing, { stallMs: 2000 }).catch((e: unknown) => e)
    const took = Date.now() - started
    expect(err).toMatchObject({ name: 'ContentFetchError', reason: 'stalled', cid: missing })
    expect((err as Error).message).toBe(`input ${missing} could not be fetched: no block arrived for 2 s (no reachable peer has it)`)
    expect(took).toBeGreaterThanOrEqual(1900)
    expect(took).toBeLessThan(5000)
    expect(await c.store.has(missing)).toBe(false)
  })

  it('fails with too-big past maxBytes and leaves nothing pinned (the next GC removes the part)', async () => {
    const file = join(root, 'input-8mb.bin')
    await writeFile(file, randomBytes(8 * MB))
    const added = await b.store.addPath(file)
    const before = await c.store.diskBytes()
    const err = await c.store.fetch(added.cid, { maxBytes: 3 * MB }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'ContentFetchError', reason: 'too-big', cid: added.cid })
    expect((err as Error).message).toContain(`larger than the limit of ${3 * MB} bytes`)
    expect(await c.store.has(added.cid)).toBe(false)
    expect(await c.store.diskBytes()).toBeGreaterThan(before)
    expect(await c.store.collectGarbage()).toEqual({ roots: 0 })
    expect(await c.store.diskBytes()).toBe(before)
  })

  it('collects content released longer ago than retainMs and keeps retained content', async () => {
    const file = join(root, 'kept.bin')
    await writeFile(file, randomBytes(2 * MB))
    const kept = await c.store.addPath(file)
    c.store.release(big.cid)
    c.store.release(kept.cid)
    c.store.retain(kept.cid)
    await new Promise(resolve => setTimeout(resolve, 600))
    const before = await c.store.diskBytes()
    expect(await c.store.collectGarbage()).toEqual({ roots: 1 })
    expect(await c.store.has(big.cid)).toBe(false)
    expect(await c.store.has(kept.cid)).toBe(true)
    expect(await c.store.diskBytes()).toBeLessThanOrEqual(before - 50 * MB)
  })
})

describe('finding who has content through the DHT', () => {
  it('a member not connected to the holder finds it by the root\'s provider record and fetches it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mcloud-transfer-dht-'))
    const orgKey = newOrgKey()
    const nodes = await Promise.all([startMember(orgKey), startMember(orgKey), startMember(orgKey)])
    const [holder, middle, fetcher] = nodes as [MCLibp2p, MCLibp2p, MCLibp2p]
    const stores = await Promise.all(nodes.map(async (node, i) => await createContentStore({ node, dir: join(root, `s${i}`) })))
    try {
      await holder.dial(middle.getMultiaddrs()[0]!)
      await fetcher.dial(middle.getMultiaddrs()[0]!)
      const file = join(root, 'x.bin')
      await writeFile(file, randomBytes(3 * MB))
      const added = await stores[0]!.addPath(file)
      const { CID } = await import('multiformats/cid')
      // the announcement runs in the background: wait until the record is findable
      await waitFor('the provider record', async () => {
        for await (const p of fetcher.contentRouting.findProviders(CID.parse(added.cid), { signal: AbortSignal.timeout(2000) })) if (p.id.equals(holder.peerId)) return true
        return false
      }, 15_000, 200)
      await fetcher.hangUp(holder.peerId)
      const { bytes } = await stores[2]!.fetch(added.cid, { stallMs: 10_000 })
      expect(bytes).toBe(3 * MB)
      expect(fetcher.getConnections(holder.peerId).length).toBeGreaterThan(0)
    } finally {
      for (const s of stores) await s.stop().catch(() => {})
      for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
      await rm(root, { recursive: true, force: true })
    }
  })
})
