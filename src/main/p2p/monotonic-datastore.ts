// kad-dht's PUT handler overwrites whatever a replica holds and runs selectors only inside get(),
// so a late, stale put (a lower lease epoch) would roll replicas back. This wrapper keeps every
// replica monotonic under the shared record order: a put that loses to the stored record throws,
// the PUT handler fails, and the putter gets no acknowledgement from this peer.
import { Record as DHTRecord } from '@libp2p/kad-dht'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { DHT_DATASTORE_PREFIX } from './constants.js'
import { StaleRecordError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { SelectFn } from '@libp2p/kad-dht'
import type { Batch, Datastore, Key, KeyQuery, Pair, Query } from 'interface-datastore'

export interface MonotonicDatastoreInit {
  /** Selectors by key namespace (`/mc/...` → `mc`); namespaces without one keep kad-dht's overwrite. */
  selectors: Record<string, SelectFn>
  /** kad-dht's datastorePrefix; default '/dht' */
  dhtPrefix?: string
  /**
   * Called with a record's value when its key is not stored here yet; throwing refuses the put
   * (the replica then sends no acknowledgement). Default: every new key is stored.
   */
  admitNew?: (value: Uint8Array) => void
}

export class MonotonicDatastore implements Datastore {
  private readonly inner: Datastore
  private readonly selectors: Record<string, SelectFn>
  private readonly recordPrefix: string
  private readonly admitNew: ((value: Uint8Array) => void) | undefined
  // get-compare-put must be atomic per key, or two racing puts could both "win"
  private readonly locks = new Map<string, Promise<unknown>>()

  constructor (inner: Datastore, init: MonotonicDatastoreInit) {
    this.inner = inner
    this.selectors = init.selectors
    this.recordPrefix = `${init.dhtPrefix ?? DHT_DATASTORE_PREFIX}/record/`
    this.admitNew = init.admitNew
  }

  async put (key: Key, val: Uint8Array, options?: AbortOptions): Promise<Key> {
    const name = key.toString()
    if (!name.startsWith(this.recordPrefix)) {
      return this.inner.put(key, val, options)
    }
    return this.withLock(name, async () => {
      const existing = await this.getOrUndefined(key, options)
      if (existing == null) this.assertAdmitted(val)
      else await this.assertNotStale(existing, val)
      return this.inner.put(key, val, options)
    })
  }

  /** Runs admitNew on the value of a record whose key is new here (it throws to refuse). */
  private assertAdmitted (val: Uint8Array): void {
    if (this.admitNew === undefined) return
    let incoming: DHTRecord
    try {
      incoming = DHTRecord.deserialize(val)
    } catch {
      return // an undecodable record is kad-dht's business
    }
    this.admitNew(incoming.value)
  }

  /** Throws StaleRecordError when the stored record (`existingBytes`) beats `val` under its selector. */
  private async assertNotStale (existingBytes: Uint8Array, val: Uint8Array): Promise<void> {
    let existing: DHTRecord, incoming: DHTRecord
    try {
      existing = DHTRecord.deserialize(existingBytes)
      incoming = DHTRecord.deserialize(val)
    } catch {
      // an undecodable stored record protects nothing; an undecodable incoming one is kad-dht's business
      return
    }
    // same value re-put (kad-dht refreshes timeReceived): accept
    if (uint8ArrayEquals(existing.value, incoming.value)) return
    const namespace = uint8ArrayToString(incoming.key).split('/')[1] ?? ''
    const select = this.selectors[namespace]
    if (select == null) return
    const best = await select(incoming.key, [existing.value, incoming.value])
    if (best === 0) {
      throw new StaleRecordError(`A better record is already stored for ${uint8ArrayToString(incoming.key)}`)
    }
  }

  private async getOrUndefined (key: Key, options?: AbortOptions): Promise<Uint8Array | undefined> {
    try {
      return await this.inner.get(key, options)
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
  }

  private async withLock<T> (name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve()
    const current = previous.then(fn, fn)
    const tail = current.catch(() => {})
    this.locks.set(name, tail)
    try {
      return await current
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name)
    }
  }

  async * putMany (source: Iterable<Pair> | AsyncIterable<Pair>, options?: AbortOptions): AsyncGenerator<Key> {
    for await (const { key, value } of source) {
      yield await this.put(key, value, options)
    }
  }

  batch (): Batch {
    const puts: Pair[] = []
    const deletes: Key[] = []
    return {
      put: (key, value) => { puts.push({ key, value }) },
      delete: (key) => { deletes.push(key) },
      commit: async (options?: AbortOptions) => {
        for (const { key, value } of puts) await this.put(key, value, options)
        for (const key of deletes) await this.inner.delete(key, options)
      }
    }
  }

  get (key: Key, options?: AbortOptions): Uint8Array | Promise<Uint8Array> {
    return this.inner.get(key, options)
  }

  has (key: Key, options?: AbortOptions): boolean | Promise<boolean> {
    return this.inner.has(key, options)
  }

  delete (key: Key, options?: AbortOptions): void | Promise<void> {
    return this.inner.delete(key, options)
  }

  getMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Pair> | Generator<Pair> {
    return this.inner.getMany(source, options)
  }

  deleteMany (source: Iterable<Key> | AsyncIterable<Key>, options?: AbortOptions): AsyncGenerator<Key> | Generator<Key> {
    return this.inner.deleteMany(source, options)
  }

  query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> | Generator<Pair> {
    return this.inner.query(q, options)
  }

  queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> | Generator<Key> {
    return this.inner.queryKeys(q, options)
  }
}
