// Quorum put/get of signed records over kad-dht, plus the local copy that keeps a lone peer
// working: every record this peer writes or accepts is kept here and the peer's own records are
// republished when peers appear.
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { KadDHT } from '@libp2p/kad-dht'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import type { RecordKind, RecordValues } from '../../shared/index.js'
import { openRecord, signRecord, type OpenedRecord } from './codec.js'
import { compareOpened } from './validators.js'
import { QuorumNotReachedError, StaleRecordError } from './errors.js'
import { DirectReplicas } from './direct-replicas.js'

export interface RecordStoreComponents {
  dht: KadDHT
  privateKey: PrivateKey
  peerId: string
  /** Number of peers currently connected; a put needs acks from min(quorum, this). */
  connectedPeers: () => number
  /** The organisation's members now; replicas are chosen among them. Default: every routing-table peer. */
  members?: () => ReadonlySet<string>
  /** The peers connected now: the replicas reached are asked first. */
  connectedIds?: () => ReadonlySet<string>
  /** Whether records signed by this peer count (the owner's allow/deny lists). Default: every signer. */
  admits?: (signer: string) => boolean
}

export interface RecordStoreInit {
  /** Acknowledgements a put needs (capped by connected peers). Default 3. */
  putQuorum?: number
  /** Deadline for one DHT put or get. Default 5000 ms. */
  queryTimeoutMs?: number
  /** Replicas a get waits for before selecting. Default 5. */
  readQuorum?: number
  /** Max records of other peers kept in the local copy. Default 20,000. */
  maxCached?: number
  /** Called whenever a record becomes the best this peer knows for its key (put, get or gossip). */
  onBetter?: (record: OpenedRecord) => void
}

export interface PutResult { acks: number, required: number, record: OpenedRecord }
export interface GetResult<K extends RecordKind> {
  best: OpenedRecord<K> | undefined
  /** Distinct valid copies seen, one per responding replica (plus the local one). */
  copies: Array<OpenedRecord<K>>
  responses: number
  /**
   * Replicas that answered with each record (by sigHash); the local copy is not counted. A lease
   * decision needs a record the replicas hold, not one only this peer remembers.
   */
  heldBy: Map<string, number>
}

export class RecordStore {
  private readonly local = new Map<string, OpenedRecord>()
  private readonly own = new Set<string>()
  private readonly putQuorum: number
  private readonly readQuorum: number
  private readonly queryTimeoutMs: number
  private readonly maxCached: number
  private readonly direct: DirectReplicas
  private readonly onBetter: ((record: OpenedRecord) => void) | undefined

  constructor (private readonly components: RecordStoreComponents, init: RecordStoreInit = {}) {
    this.putQuorum = init.putQuorum ?? 3
    this.readQuorum = init.readQuorum ?? 5
    this.queryTimeoutMs = init.queryTimeoutMs ?? 5000
    this.maxCached = init.maxCached ?? 20_000
    this.direct = new DirectReplicas(components.dht, peerIdFromString(components.peerId), components.connectedPeers, components.members, components.connectedIds)
    this.onBetter = init.onBetter
  }

  /** The best record this peer knows for `key` without asking anyone. */
  cached<K extends RecordKind> (key: string): OpenedRecord<K> | undefined {
    const rec = this.local.get(key)
    // a signer denied after its record arrived: the copy stays but no longer counts
    return rec !== undefined && this.admits(rec.signer) ? rec as OpenedRecord<K> : undefined
  }

  /** Whether records signed by `signer` count here (false for a peer the owner shut out). */
  admits (signer: string): boolean {
    return this.components.admits?.(signer) ?? true
  }

  /**
   * Keeps `rec` if it is better than the local copy. Returns true when it became the best known.
   * Never rolls back: a worse record is ignored (the replica rule of DESIGN.md).
   */
  remember (rec: OpenedRecord): boolean {
    if (!this.admits(rec.signer)) return false
    const cur = this.cached(rec.key)
    if (cur !== undefined && compareOpened(rec, cur) >= 0) return false
    if (cur === undefined && this.local.size >= this.maxCached) this.evictOne()
    this.local.set(rec.key, rec)
    this.onBetter?.(rec)
    return true
  }

  /** Verifies bytes from gossip or any peer and remembers them; returns the record if it is new-best. */
  async accept (bytes: Uint8Array): Promise<OpenedRecord | undefined> {
    const rec = await openRecord(bytes)
    return this.remember(rec) ? rec : undefined
  }

  /** Signs `value` under `key` and keeps it locally without a DHT write (gossip-only records). */
  async sign (key: string, value: unknown): Promise<OpenedRecord> {
    const { privateKey, peerId } = this.components
    const record = await openRecord(await signRecord(privateKey, peerId, key, value), key)
    this.remember(record)
    return record
  }

  /** Acknowledgements a write needs now: min(putQuorum, connected peers, the other members replicas come from). */
  quorum (): number {
    const others = this.components.members === undefined ? Number.POSITIVE_INFINITY : this.components.members().size - 1
    return Math.min(this.putQuorum, this.components.connectedPeers(), others)
  }

  /** Signs `value` under `key` and writes it to the DHT, counting replica acknowledgements. */
  async put (key: string, value: unknown, options: { signal?: AbortSignal, requireQuorum?: boolean, announce?: (bytes: Uint8Array) => void } = {}): Promise<PutResult> {
    const { privateKey, peerId } = this.components
    const bytes = await signRecord(privateKey, peerId, key, value)
    const record = await openRecord(bytes, key)
    if (!this.remember(record)) throw new StaleRecordError(key)
    this.own.add(key)
    // Gossip goes out before the DHT write so watchers react in milliseconds, not a lookup later.
    options.announce?.(bytes)
    const required = this.quorum()
    const acks = await this.publish(record, options.signal, required)
    if (options.requireQuorum === true && acks < required) throw new QuorumNotReachedError(key, acks, required)
    return { acks, required, record }
  }

  /** Sends an already-signed record to the closest peers; returns how many stored it (once `enough` did, on the direct path). */
  private async publish (record: OpenedRecord, signal?: AbortSignal, enough?: number): Promise<number> {
    if (this.components.connectedPeers() === 0) return 0
    const sig = anySignal(signal, this.queryTimeoutMs)
    const key = utf8ToBytes(record.key)
    const replicas = this.direct.replicas(key)
    if (replicas !== undefined) return await this.direct.put(key, record.bytes, replicas, sig, enough, this.readQuorum)
    let acks = 0
    try {
      for await (const ev of this.components.dht.put(key, record.bytes, { signal: sig })) {
        // PUT_VALUE = 0: the replica echoes the record it stored; a monotonic replica that holds
        // a better record refuses and sends nothing.
        if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE' && ev.record != null) acks++
      }
    } catch (err: any) {
      // A local StaleRecordError surfaces here too; anything else is a partial write, counted.
      if (err?.name === 'StaleRecordError') throw err
    }
    return acks
  }

  /**
   * Quorum get: collects replicas' copies, verifies, selects by the shared order. Stops once
   * `readQuorum` replicas answered (every put goes to all the closest peers, so any quorum of
   * them holds the latest acknowledged write) instead of walking the whole network.
   * `holder`: a peer also asked for its own copy, when connected (see askHolder).
   */
  async get<K extends RecordKind> (key: string, options: { signal?: AbortSignal, readQuorum?: number, holder?: string } = {}): Promise<GetResult<K>> {
    const copies: Array<OpenedRecord<K>> = []
    const seen = new Set<string>()
    const heldBy = new Map<string, number>()
    const add = async (bytes: Uint8Array, fromReplica = true): Promise<void> => {
      try {
        const rec = await openRecord(bytes, key) as OpenedRecord<K>
        if (!this.admits(rec.signer)) return
        if (fromReplica) heldBy.set(rec.sigHash, (heldBy.get(rec.sigHash) ?? 0) + 1)
        if (seen.has(rec.sigHash)) return
        seen.add(rec.sigHash)
        copies.push(rec)
      } catch { /* a forged or malformed copy is ignored */ }
    }
    const mine = this.local.get(key)
    if (mine !== undefined) await add(mine.bytes, false)
    let responses = 0
    const readQuorum = options.readQuorum ?? this.readQuorum
    const keyBytes = utf8ToBytes(key)
    const replicas = this.components.connectedPeers() > 0 ? this.direct.replicas(keyBytes) : undefined
    const asked = replicas?.slice(0, readQuorum) ?? []
    const fromHolder = this.askHolder(keyBytes, options.holder, asked, options.signal)
    if (replicas !== undefined) {
      // Every put went to all of these replicas; the readQuorum closest of them suffice.
      const answers = await this.direct.get(keyBytes, asked, anySignal(options.signal, this.queryTimeoutMs))
      for (const bytes of answers) {
        if (bytes === undefined) continue
        responses++
        if (bytes.byteLength > 0) await add(bytes)
      }
    } else if (this.components.connectedPeers() > 0) {
      const sig = anySignal(options.signal, this.queryTimeoutMs)
      try {
        for await (const ev of this.components.dht.get(keyBytes, { signal: sig })) {
          if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'GET_VALUE') {
            responses++
            if (ev.record != null) await add(ev.record.value)
            if (responses >= Math.min(readQuorum, this.components.connectedPeers())) break
          } else if (ev.name === 'VALUE') {
            // Also the local datastore's copy, and a PEER_RESPONSE already counted the remote ones.
            await add(ev.value, false)
          }
        }
      } catch {
        // kad-dht throws when a replica refuses a correction or the deadline passes; what was
        // collected so far is still a valid (smaller) quorum.
      }
    }
    const held = await fromHolder
    if (held !== undefined && held.byteLength > 0) await add(held, false)
    let best: OpenedRecord<K> | undefined
    for (const c of copies) if (best === undefined || compareOpened(c, best) < 0) best = c
    if (best !== undefined) this.remember(best)
    return { best, copies, responses, heldBy }
  }

  /**
   * The copy `holder` keeps of its own record, if this peer is connected to it and it answers
   * within HOLDER_ASK_MS (a peer that is gone, or too slow, is not waited for). A writer stores
   * its record before it sends it to the replicas, so it always has its latest. Its answer is
   * not a replica's: it counts for no quorum.
   */
  private async askHolder (key: Uint8Array, holder: string | undefined, asked: PeerId[], signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (holder === undefined || holder === this.components.peerId || asked.some(p => p.toString() === holder)) return undefined
    if (this.components.connectedIds?.().has(holder) !== true) return undefined
    let peer: PeerId
    try { peer = peerIdFromString(holder) } catch { return undefined }
    return (await this.direct.get(key, [peer], anySignal(signal, HOLDER_ASK_MS)))[0]
  }

  /** Republishes this peer's own records (on peer arrival, and periodically by the caller). */
  async republishOwn (signal?: AbortSignal): Promise<number> {
    let n = 0
    for (const key of this.own) {
      const rec = this.local.get(key)
      if (rec === undefined || rec.signer !== this.components.peerId) continue
      if (signal?.aborted === true) break
      n += (await this.publish(rec, signal).catch(() => 0)) > 0 ? 1 : 0
    }
    return n
  }

  private evictOne (): void {
    for (const key of this.local.keys()) {
      if (!this.own.has(key)) { this.local.delete(key); return }
    }
  }
}

export type { RecordValues }

/** How long a read waits for a lease holder's own copy (RecordStore.get's `holder`). */
const HOLDER_ASK_MS = 2000

function anySignal (signal: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(ms)
  return signal === undefined ? t : AbortSignal.any([signal, t])
}
