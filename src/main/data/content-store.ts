// The data plane's store (contract: types.ts): unixfs DAGs in a blockstore under `dir`, pinned while
// a task may need them, exchanged by bitswap over the peer's own libp2p node, roots announced in
// our kad-dht. Released roots go `retainMs` after their release (retention.ts).
import { createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { unixfs } from '@helia/unixfs'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as C from './constants.js'
import { leafSkippingWalker, walkDag } from './dag-walk.js'
import { countedFile, dirBytes, listTree, safeEntryName, type TreeEntry } from './disk.js'
import { ContentMissingError, ContentTooBigError } from './errors.js'
import { startOrgHelia } from './helia-node.js'
import { RetentionState } from './retention.js'
import { ContentFetchError, DEFAULT_RETAIN_MS, FETCH_STALL_MS, type AddedContent, type ContentStore, type FetchOptions, type TransferProgress } from './types.js'
import type { MCLibp2p } from '../p2p/index.js'

export interface ContentStoreInit {
  /** The peer's libp2p node (started by the caller; the store never stops it). */
  node: MCLibp2p
  /** The store's directory, e.g. <dataDir>/content. */
  dir: string
  /** How long released content is kept; default DEFAULT_RETAIN_MS (24 h). */
  retainMs?: number
  /** Blocks wanted at once by a fetch; default FETCH_CONCURRENCY. */
  fetchConcurrency?: number
  log?: (msg: string) => void
}

export async function createContentStore (init: ContentStoreInit): Promise<ContentStore> {
  const log = init.log ?? (() => {})
  const retainMs = init.retainMs ?? DEFAULT_RETAIN_MS
  const concurrency = init.fetchConcurrency ?? C.FETCH_CONCURRENCY
  await mkdir(init.dir, { recursive: true })
  const retention = await RetentionState.load(join(init.dir, C.RETENTION_FILE), log)
  // roots being fetched: the only CIDs the router looks up in the DHT
  const lookups = new Set<string>()
  const helia = await startOrgHelia(init.node, join(init.dir, C.BLOCKS_DIR), join(init.dir, C.DATASTORE_DIR), lookups)
  const fs = unixfs(helia)
  const stopping = new AbortController()
  // Adds and fetches in flight hold unpinned blocks: GC deletes blocks only while this is 0.
  let busy = 0
  // Unpinned blocks may exist (a failed fetch or add, a crash before this start): the next GC sweeps.
  let sweepDue = true
  let gcRun: Promise<{ roots: number }> | null = null
  let sweeping: Promise<void> | null = null
  let pinQueue: Promise<unknown> = Promise.resolve()

  /** Pin changes one at a time: pins.add/rm read-modify-write per-block pin counts. */
  const pinChange = async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = pinQueue.then(fn)
    pinQueue = run.catch(() => {})
    return await run
  }

  const isPinned = async (cid: CID): Promise<boolean> => {
    try { await helia.pins.get(cid); return true } catch { return false }
  }

  /** Pins a DAG that is wholly here, recording its content bytes. */
  const pinLocal = async (cid: CID, bytes: number): Promise<void> => {
    await pinChange(async () => {
      if (await isPinned(cid)) return
      // `offline`: every block is here; a missing one must fail, not wait on the network
      const opts = { metadata: { bytes }, signal: stopping.signal, offline: true, walker: leafSkippingWalker }
      for await (const _ of helia.pins.add(cid, opts)) { /* walks the DAG */ }
    })
  }

  /** Best effort, in the background and bounded: a member that cannot reach the DHT still adds. */
  const announce = (cid: CID): void => {
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(C.PROVIDE_TIMEOUT_MS)])
    helia.routing.provide(cid, { signal }).catch((err: unknown) => { if (!stopping.signal.aborted) log(`content store: announcing ${cid.toString()} failed: ${String(err)}`) })
  }

  const withBusy = async <T>(fn: () => Promise<T>): Promise<T> => {
    // a sweep that started before us would delete our unpinned blocks: wait it out
    while (sweeping !== null) await sweeping.catch(() => {})
    busy++
    try { return await fn() } finally { busy-- }
  }

  /** Imports a tree listed by listTree; `prefix` names the root directory (addPath) or is '' (wrapped). */
  const importTree = async (entries: TreeEntry[], prefix: string, count: (n: number) => void, signal?: AbortSignal): Promise<CID> => {
    const path = (rel: string): string => prefix === '' ? rel : rel === '' ? prefix : `${prefix}/${rel}`
    const source = [
      ...(prefix === '' ? [] : [{ path: prefix }]),
      ...entries.map(e => ({ path: path(e.rel), content: e.kind === 'file' ? countedFile(e.abs, count, signal) : undefined }))
    ]
    // the importer yields parents after their children: the last entry is the root
    let root: CID | undefined
    for await (const entry of fs.addAll(source, { signal, wrapWithDirectory: prefix === '' })) root = entry.cid
    if (root === undefined) throw new Error('content store: the importer returned no root')
    return root
  }

  const finishAdd = async (cid: CID, bytes: number): Promise<string> => {
    await pinLocal(cid, bytes)
    const key = cid.toString()
    retention.retain(key)
    announce(cid)
    return key
  }

  const addPath: ContentStore['addPath'] = async (path, options = {}) => await withBusy(async () => {
    const name = basename(path)
    const st = await stat(path)
    let bytes = 0
    try {
      if (st.isFile()) {
        const progress = (n: number): void => { bytes += n; options.onProgress?.({ bytes, total: st.size }) }
        const cid = await fs.addByteStream(countedFile(path, progress, options.signal), { signal: options.signal })
        return { cid: await finishAdd(cid, bytes), bytes, name } satisfies AddedContent
      }
      if (!st.isDirectory()) throw new Error(`content store: ${path} is neither a file nor a directory`)
      const entries = await listTree(path, log)
      const total = entries.reduce((sum, e) => sum + e.size, 0)
      const progress = (n: number): void => { bytes += n; options.onProgress?.({ bytes, total }) }
      const cid = await importTree(entries, name, progress, options.signal)
      return { cid: await finishAdd(cid, bytes), bytes, name }
    } catch (err) {
      sweepDue = true
      throw err
    }
  })

  const addDirectoryContents: ContentStore['addDirectoryContents'] = async (dir, options = {}) => await withBusy(async () => {
    const entries = await listTree(dir, log)
    if (entries.length === 0) return null
    const max = options.maxBytes ?? Infinity
    if (entries.reduce((sum, e) => sum + e.size, 0) > max) throw new ContentTooBigError(dir, max)
    let bytes = 0
    // counted while read too: a file may grow between the listing and the import
    const count = (n: number): void => { bytes += n; if (bytes > max) throw new ContentTooBigError(dir, max) }
    try {
      const cid = await importTree(entries, '', count, options.signal)
      return { cid: await finishAdd(cid, bytes), bytes }
    } catch (err) {
      sweepDue = true
      throw err
    }
  })

  const fetch: ContentStore['fetch'] = async (cidText, options = {}) => {
    const cid = parseCid(cidText)
    retention.retain(cidText)
    const held = await pinnedBytes(cid)
    if (held !== undefined) return { bytes: held }
    return await withBusy(async () => await fetchMissing(cid, cidText, options))
  }

  const fetchMissing = async (cid: CID, cidText: string, o: FetchOptions): Promise<{ bytes: number }> => {
    const stallMs = o.stallMs ?? FETCH_STALL_MS
    const failure = new AbortController()
    const signal = AbortSignal.any([failure.signal, stopping.signal, ...(o.signal === undefined ? [] : [o.signal])])
    let timer: NodeJS.Timeout | undefined
    const armStall = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        failure.abort(new ContentFetchError(`input ${cidText} could not be fetched: no block arrived for ${formatSeconds(stallMs)} (no reachable peer has it)`, cidText, 'stalled'))
      }, stallMs)
    }
    for (const id of o.hintPeers ?? []) dialHint(id, signal)
    lookups.add(cidText)
    armStall()
    let bytes = 0
    try {
      bytes = await walkDag(helia, cid, {
        concurrency,
        signal,
        onBlock: n => {
          armStall()
          bytes += n
          if (o.maxBytes !== undefined && bytes > o.maxBytes) {
            failure.abort(new ContentFetchError(`input ${cidText} is larger than the limit of ${o.maxBytes} bytes (${bytes} bytes arrived so far)`, cidText, 'too-big'))
          }
          o.onProgress?.({ bytes, total: o.expectedBytes ?? null } satisfies TransferProgress)
        }
      })
      clearTimeout(timer)
      // the last blocks may arrive together with the one that crossed maxBytes: the walk then ends well
      signal.throwIfAborted()
      await pinLocal(cid, bytes)
    } catch (err) {
      sweepDue = true
      if (failure.signal.aborted) throw failure.signal.reason as ContentFetchError
      if (signal.aborted) throw new ContentFetchError(`fetching input ${cidText} was cancelled`, cidText, 'aborted')
      throw new ContentFetchError(`input ${cidText} could not be fetched: ${err instanceof Error ? err.message : String(err)}`, cidText, 'invalid')
    } finally {
      clearTimeout(timer)
      lookups.delete(cidText)
    }
    // we hold it now: let others find us too (bitswap already serves it to whoever asks)
    announce(cid)
    return { bytes }
  }

  const dialHint = (id: string, signal: AbortSignal): void => {
    let peer
    try { peer = peerIdFromString(id) } catch { log(`content store: hint ${JSON.stringify(id)} is not a peer id`); return }
    if (peer.equals(init.node.peerId) || init.node.getConnections(peer).length > 0) return
    init.node.dial(peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(C.HINT_DIAL_TIMEOUT_MS)]) })
      .catch((err: unknown) => { log(`content store: hinted peer ${id} not reachable: ${String(err)}`) })
  }

  /** The content bytes of a pinned DAG (its pin record read once); undefined when it is not pinned here. */
  const pinnedBytes = async (cid: CID): Promise<number | undefined> => {
    const pin = await helia.pins.get(cid).catch(() => undefined)
    if (pin === undefined) return undefined
    const bytes = pin.metadata.bytes
    return typeof bytes === 'number' ? bytes : await walkDag(helia, cid, { concurrency, offline: true })
  }

  const has: ContentStore['has'] = async (cidText) => {
    const cid = parseCid(cidText)
    if (await isPinned(cid)) return true
    try {
      await walkDag(helia, cid, { concurrency, offline: true })
      return true
    } catch {
      return false
    }
  }

  const exportTo: ContentStore['exportTo'] = async (cidText, dir, options = {}) => {
    const cid = parseCid(cidText)
    const signal = options.signal
    let bytes = 0
    // Read in windows: the unixfs exporter reads a file's blocks ahead into an unbounded queue, so
    // one cat of a 1 GB file held ~1.4 GB in memory while the disk write lagged behind.
    const writeFile = async (file: CID, size: bigint, path: string): Promise<void> => {
      const total = Number(size)
      await pipeline(async function * () {
        for (let offset = 0; offset < total; offset += C.EXPORT_WINDOW_BYTES) {
          const length = Math.min(C.EXPORT_WINDOW_BYTES, total - offset)
          for await (const chunk of fs.cat(file, { offline: true, signal, offset, length })) {
            bytes += chunk.byteLength
            options.onProgress?.({ bytes, total: null })
            yield chunk
          }
        }
      }, createWriteStream(path), { signal })
    }
    const writeDir = async (from: CID, path: string): Promise<void> => {
      await mkdir(path, { recursive: true })
      for await (const entry of fs.ls(from, { offline: true, signal })) {
        const target = join(path, safeEntryName(cidText, entry.name))
        // ls names entries but not their kind; stat reads just the entry's root block
        const st = await fs.stat(entry.cid, { offline: true, signal })
        if (st.type === 'directory') await writeDir(entry.cid, target)
        else await writeFile(entry.cid, st.size, target)
      }
    }
    try {
      const root = await fs.stat(cid, { offline: true, signal })
      const name = options.name === null ? null : safeEntryName(cidText, options.name ?? cidText)
      await mkdir(dir, { recursive: true })
      if (root.type === 'directory') await writeDir(cid, name === null ? dir : join(dir, name))
      else await writeFile(cid, root.size, join(dir, name ?? cidText))
    } catch (err) {
      if ((err as Error).name === 'BlockNotFoundWhileOfflineError') throw new ContentMissingError(cidText, err)
      throw err
    }
    return { bytes }
  }

  const collectGarbage: ContentStore['collectGarbage'] = async () => {
    gcRun ??= collect().finally(() => { gcRun = null })
    return await gcRun
  }

  const collect = async (): Promise<{ roots: number }> => {
    const expired = retention.expired(Date.now() - retainMs)
    const gone: string[] = []
    for (const key of expired) {
      try {
        const cid = parseCid(key)
        await pinChange(async () => {
          const opts = { signal: stopping.signal, offline: true, walker: leafSkippingWalker }
          if (await isPinned(cid)) for await (const _ of helia.pins.rm(cid, opts)) { /* walks the DAG */ }
        })
      } catch (err) {
        // the pin record goes first, so a root whose walk failed is not pinned any more either
        log(`content store: unpinning ${key} failed: ${String(err)}`)
      }
      gone.push(key)
    }
    retention.forget(gone)
    // While an add or a fetch runs, its blocks are not pinned yet: the sweep waits for a quiet moment.
    if ((gone.length > 0 || sweepDue) && busy === 0) {
      sweepDue = false
      sweeping = helia.gc({ signal: stopping.signal })
      try { await sweeping } finally { sweeping = null }
      log(`content store: collected ${gone.length} released root(s)`)
    } else if (gone.length > 0) {
      sweepDue = true
    }
    return { roots: gone.length }
  }

  const timer = setInterval(() => {
    collectGarbage().catch((err: unknown) => { log(`content store: garbage collection failed: ${String(err)}`) })
  }, C.GC_INTERVAL_MS)
  timer.unref()

  let stopped: Promise<void> | null = null
  return {
    addPath,
    addDirectoryContents,
    fetch,
    has,
    exportTo,
    release: cid => { retention.release(cid, Date.now()) },
    retain: cid => { retention.retain(cid) },
    collectGarbage,
    diskBytes: async () => await dirBytes(join(init.dir, C.BLOCKS_DIR)),
    stop: async () => {
      stopped ??= (async () => {
        clearInterval(timer)
        stopping.abort()
        await gcRun?.catch(() => {})
        await retention.flush()
        await helia.stop()
      })()
      await stopped
    }
  }
}

/** A CID as given by a spec or a peer; anything else is 'invalid', naming the text. */
function parseCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch (err) {
    throw new ContentFetchError(`${JSON.stringify(text)} is not a content id (CIDv1, base32): ${err instanceof Error ? err.message : String(err)}`, text, 'invalid')
  }
}

const formatSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`
