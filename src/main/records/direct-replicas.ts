// Fast path for an organisation-sized network. kad-dht's put() walks the network (FIND_NODE to
// every peer) before storing, and get() walks it again: 2N RPCs per write with N peers, ~14 ms
// of CPU per peer per op here. When this peer's routing table holds the whole network, the K
// closest replicas are known locally: PUT_VALUE / GET_VALUE go straight to them, through
// kad-dht's own network layer, handlers, validators and monotonic datastore. Otherwise (a
// network larger than this peer's connections) the ordinary lookups are used.
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { MessageType, Record as DhtRecord, type KadDHT } from '@libp2p/kad-dht'
import { sha256 } from '@noble/hashes/sha2.js'
import { Key } from 'interface-datastore'
import { toString } from 'uint8arrays'
import { equals } from 'uint8arrays/equals'

/** The parts of kad-dht's KadDHT class this fast path uses (public fields of the class). */
interface KadInternals {
  k: number
  routingTable: { size: number, closestPeers: (kadId: Uint8Array, options?: { count?: number }) => PeerId[] }
  network: { sendRequest: (to: PeerId, msg: object, options: { signal?: AbortSignal, path: object }) => AsyncGenerator<any> }
  components: { datastore: { put: (key: Key, value: Uint8Array, options?: object) => Promise<unknown> } }
  rpc?: { handlers: Record<string, { peerRouting?: ClosestOffline } | undefined> }
}
interface ClosestOffline { getClosestPeersOffline: (key: Uint8Array, options?: object) => Promise<unknown[]> }

const NO_PATH = { index: -1, queued: 0, running: 0, total: 0 }
/** Above this many members the replicas come from kad-dht lookups (sorting every member per write stops being cheap). */
const MAX_DIRECT_MEMBERS = 1000
const MAX_KAD_IDS = 10_000

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}
/** kad-dht's datastore layout: `<prefix>/record/<base32 key>` with the default '/dht' prefix. */
const RECORD_PREFIX = '/dht/record'

export class DirectReplicas {
  private readonly kad: KadInternals
  private readonly kadIds = new Map<string, { id: PeerId, kadId: Uint8Array }>()

  /**
   * `members`: the organisation's members now (lease/membership.ts). kad-dht never drops a dead
   * peer from a small routing table, so without it a crashed peer stays a replica for good and
   * the keys it was close to can never reach their quorum again. A member cut off by a partition
   * stays one for the membership window: replica sets do not change under a split, so the two
   * sides' quorums still meet. `connectedIds`: the peers this one holds a connection to
   * (replicas it reaches go first).
   */
  constructor (dht: KadDHT, private readonly self: PeerId, private readonly connectedPeers: () => number, private readonly members?: () => ReadonlySet<string>, private readonly connectedIds?: () => ReadonlySet<string>) {
    this.kad = dht as unknown as KadInternals
    this.trimReadReplies()
  }

  /**
   * A GET_VALUE reply carries the 20 peers closest to the key that the replica knows, with their
   * addresses, for lookups that walk the network. The direct path never walks, yet each reply
   * cost the replica 20 peer-store reads and the reader 20 peer-store merges (~8 % of 35 busy
   * peers' CPU, profile). While this peer's organisation is small enough for the direct path
   * (its members read directly too), its replies to record reads leave those peers out. Only the
   * GET_VALUE handler is changed: FIND_NODE, which walks use, still answers in full.
   */
  private trimReadReplies (): void {
    const handler = this.kad.rpc?.handlers[String(MessageType.GET_VALUE)]
    const routing = handler?.peerRouting
    if (handler === undefined || routing === undefined || this.members === undefined) return
    const full = routing.getClosestPeersOffline.bind(routing)
    const members = this.members
    handler.peerRouting = Object.create(routing, {
      getClosestPeersOffline: {
        value: async (key: Uint8Array, options?: object): Promise<unknown[]> => members().size <= MAX_DIRECT_MEMBERS ? [] : await full(key, options)
      }
    })
  }

  /**
   * The K closest peers when this peer knows the whole network, else undefined (use lookups).
   * With the organisation's members known (lease/membership.ts), the replicas are the K members
   * closest to the key by kad distance, whether or not kad-dht's routing table holds them yet:
   * every member computes the same set from the same membership. (Taken from the routing table,
   * which above ~22 peers often misses a few connected ones, the sets differed and the fast path
   * was switched off: every write then walked the network, and bench scale broke between 20 and
   * 35 peers.) Without members: the routing table, when it is not full or holds every peer this
   * peer is connected to (within a margin for peers still identifying).
   */
  replicas (key: Uint8Array, count?: number): PeerId[] | undefined {
    const { routingTable, k } = this.kad
    const members = this.members?.()
    if (members !== undefined) {
      if (members.size > MAX_DIRECT_MEMBERS) return undefined
      const closest = this.closestMembers(sha256(key), members, count ?? k)
      // Reachable replicas first: a read asks the first few and a write waits for them. Every
      // write goes to all K, so any few of them that answer hold it; a member that vanished
      // still counts for the membership window, and after a mass crash the closest few were
      // often dead, so reads came back inconclusive and commits failed (bench chaos, 40 % killed).
      const up = this.connectedIds?.()
      if (up === undefined) return closest
      const reached: PeerId[] = []
      const unreached: PeerId[] = []
      for (const p of closest) (up.has(p.toString()) ? reached : unreached).push(p)
      return [...reached, ...unreached]
    }
    if (routingTable === undefined || routingTable.size === 0) return undefined
    if (routingTable.size >= k && routingTable.size + 2 < this.connectedPeers()) return undefined
    return routingTable.closestPeers(sha256(key), { count: count ?? k })
  }

  private closestMembers (target: Uint8Array, members: ReadonlySet<string>, count: number): PeerId[] {
    const ranked: Array<{ id: PeerId, distance: Uint8Array }> = []
    for (const m of members) {
      const entry = this.kadIdOf(m)
      if (entry === undefined || entry.id.equals(this.self)) continue
      const distance = new Uint8Array(target.length)
      for (let i = 0; i < target.length; i++) distance[i] = target[i]! ^ entry.kadId[i]!
      ranked.push({ id: entry.id, distance })
    }
    ranked.sort((a, b) => compareBytes(a.distance, b.distance))
    return ranked.slice(0, count).map(r => r.id)
  }

  /** A member's peer id and kad id (sha256 of its multihash, as kad-dht computes it), cached. */
  private kadIdOf (peer: string): { id: PeerId, kadId: Uint8Array } | undefined {
    let entry = this.kadIds.get(peer)
    if (entry === undefined) {
      try {
        const id = peerIdFromString(peer)
        entry = { id, kadId: sha256(id.toMultihash().bytes) }
      } catch {
        return undefined
      }
      if (this.kadIds.size >= MAX_KAD_IDS) this.kadIds.clear()
      this.kadIds.set(peer, entry)
    }
    return entry
  }

  /**
   * Stores locally (monotonic datastore may refuse: StaleRecordError) then on every replica; returns
   * the acks once `enough` replicas stored it and the `readers` closest (those a get asks) answered,
   * or every replica answered. The other replicas still get the write: only the wait ends. Waiting
   * for the slowest of K = 20 replicas made every lease write as slow as the most loaded peer
   * (bench scale: at 50 peers no claim finished); the readers are waited for so that a re-read
   * right after the write (a claim's verification) still finds it.
   */
  async put (key: Uint8Array, value: Uint8Array, peers: PeerId[], signal?: AbortSignal, enough = peers.length, readers = peers.length): Promise<number> {
    const record = new DhtRecord(key, value, new Date()).serialize()
    await this.kad.components.datastore.put(new Key(`${RECORD_PREFIX}/${toString(key, 'base32')}`, false), record, { signal })
    return await new Promise<number>(resolve => {
      let acks = 0
      let answered = 0
      let readersLeft = Math.min(readers, peers.length)
      const settle = (): void => {
        if ((acks >= enough && readersLeft === 0) || answered === peers.length) resolve(acks)
      }
      if (peers.length === 0) { resolve(0); return }
      peers.forEach((peer, i) => {
        void this.putOne(peer, key, value, record, signal).then(ok => {
          answered++
          if (i < readers) readersLeft--
          if (ok) acks++
          settle()
        })
      })
    })
  }

  private async putOne (peer: PeerId, key: Uint8Array, value: Uint8Array, record: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    try {
      for await (const ev of this.kad.network.sendRequest(peer, { type: MessageType.PUT_VALUE, key, record }, { signal, path: NO_PATH })) {
        if (ev.name === 'PEER_RESPONSE' && ev.record != null && equals(ev.record.value, value)) return true
      }
    } catch { /* a replica that refuses (holds a better record) or fails counts as no ack */ }
    return false
  }

  /** Asks replicas for their copy in parallel; yields each copy as it arrives. */
  async get (key: Uint8Array, peers: PeerId[], signal?: AbortSignal): Promise<Array<Uint8Array | undefined>> {
    return await Promise.all(peers.map(async peer => {
      try {
        for await (const ev of this.kad.network.sendRequest(peer, { type: MessageType.GET_VALUE, key }, { signal, path: NO_PATH })) {
          if (ev.name === 'PEER_RESPONSE') return ev.record?.value as Uint8Array | undefined ?? new Uint8Array(0)
        }
      } catch { /* unreachable replica */ }
      return undefined
    }))
  }
}
