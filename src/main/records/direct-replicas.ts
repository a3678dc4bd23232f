// Fast path for an organisation-sized network. kad-dht's put() walks the network (FIND_NODE to
// every peer) before storing, and get() walks it again: 2N RPCs per write with N peers, ~14 ms
// of CPU per peer per op here. When this peer's routing table holds the whole network, the K
// closest replicas are known locally: PUT_VALUE / GET_VALUE go straight to them, through
// kad-dht's own network layer, handlers, validators and monotonic datastore. Otherwise (a
// network larger than this peer's connections) the ordinary lookups are used.
import type { PeerId } from '@libp2p/interface'
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
}

const NO_PATH = { index: -1, queued: 0, running: 0, total: 0 }
/** kad-dht's datastore layout: `<prefix>/record/<base32 key>` with the default '/dht' prefix. */
const RECORD_PREFIX = '/dht/record'

export class DirectReplicas {
  private readonly kad: KadInternals

  /**
   * `members`: the organisation's members now (lease/membership.ts). kad-dht never drops a dead
   * peer from a small routing table, so without it a crashed peer stays a replica for good and
   * the keys it was close to can never reach their quorum again. A member cut off by a partition
   * stays one for the membership window: replica sets do not change under a split, so the two
   * sides' quorums still meet.
   */
  constructor (dht: KadDHT, private readonly connectedPeers: () => number, private readonly members?: () => Set<string>) {
    this.kad = dht as unknown as KadInternals
  }

  /**
   * The K closest peers when this peer knows the whole network, else undefined (use lookups).
   * It knows it when its routing table is not full (< K) or holds every peer it is connected to
   * (members dial each other, see p2p/peer-dialer), within a margin for peers still identifying.
   */
  replicas (key: Uint8Array, count?: number): PeerId[] | undefined {
    const { routingTable, k } = this.kad
    if (routingTable === undefined || routingTable.size === 0) return undefined
    if (routingTable.size >= k && routingTable.size + 2 < this.connectedPeers()) return undefined
    const members = this.members?.()
    if (members === undefined) return routingTable.closestPeers(sha256(key), { count: count ?? k })
    return routingTable.closestPeers(sha256(key), { count: routingTable.size }).filter(p => members.has(p.toString())).slice(0, count ?? k)
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
