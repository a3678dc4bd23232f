// Peers appearing and leaving: a peer that was alone recovers its own tasks and republishes the
// records it kept locally; every new peer's task index is read once, so late joiners learn open
// work; a member not heard of before gets this peer's meta soon, not at its next beat.
import type { Membership } from '../lease/index.js'
import type { MCLibp2p } from '../p2p/index.js'
import type { RecordStore } from '../records/index.js'
import type { PeerBus } from './bus.js'
import type { TaskService } from './task-service.js'

export interface PeerArrivalsDeps {
  node: MCLibp2p
  membership: Membership
  bus: PeerBus
  tasks: TaskService
  records: RecordStore
  /** Gossips this peer's node meta (coalesced by Liveness). */
  announceMeta: () => void
  /** The current liveness beat interval. */
  beatMs: () => number
  connectedPeers: () => number
}

/** The first meta for newcomers waits at least this long, to cover several arrivals at once. */
const NEWCOMER_META_DELAY_MS = 3000

/** Starts watching connections; returns the stop. */
export function watchPeerArrivals (d: PeerArrivalsDeps): () => void {
  const { node, membership, bus, tasks, records } = d
  let republishTimer: ReturnType<typeof setTimeout> | undefined
  let metaForNewcomers: ReturnType<typeof setTimeout> | undefined
  let wasAlone = true
  const indexesRead = new Set<string>()
  const onPeer = (evt: CustomEvent<{ toString: () => string }>): void => {
    const remote = evt.detail.toString()
    const newMember = !membership.knows(remote)
    membership.connectionsChanged()
    bus.emit({ type: 'peer:connect', peerId: remote })
    if (wasAlone) {
      wasAlone = false
      // My tasks from before a restart: my index lives on the other peers' replicas.
      setTimeout(() => { void tasks.recoverMine().catch(() => {}) }, 500)
      clearTimeout(republishTimer)
      republishTimer = setTimeout(() => {
        void records.republishOwn().then(count => { bus.emit({ type: 'records:republished', count }) })
      }, 1000)
    }
    // Once per peer: kad-dht opens and closes connections as it checks contacts, and reading
    // the index again on every reconnect cost a DHT read per connection.
    if (!indexesRead.has(remote)) {
      indexesRead.add(remote)
      // A new member learns what I lend within seconds, not at my next liveness beat: my first
      // meta went out before anyone was subscribed, and rankers skip providers they do not know.
      // Only for a member I had not heard of (one I had heard of is usually back from a
      // reconnect and knows me), and one meta per half beat of arrivals: each goes to every
      // member, and while 50 peers met each other, a meta per peer every 3 s was most of their
      // gossip (bench scale).
      if (newMember) metaForNewcomers ??= setTimeout(() => { metaForNewcomers = undefined; d.announceMeta() }, Math.max(NEWCOMER_META_DELAY_MS, d.beatMs() / 2))
      setTimeout(() => { void tasks.discoverFrom(remote).catch(() => { indexesRead.delete(remote) }) }, 200)
    }
  }
  const onPeerGone = (evt: CustomEvent<{ toString: () => string }>): void => {
    membership.connectionsChanged()
    bus.emit({ type: 'peer:disconnect', peerId: evt.detail.toString() })
    if (d.connectedPeers() === 0) wasAlone = true
  }
  node.addEventListener('peer:connect', onPeer)
  node.addEventListener('peer:disconnect', onPeerGone)
  return () => {
    clearTimeout(republishTimer)
    clearTimeout(metaForNewcomers)
    node.removeEventListener('peer:connect', onPeer)
    node.removeEventListener('peer:disconnect', onPeerGone)
  }
}
