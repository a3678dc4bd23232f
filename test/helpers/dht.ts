// kad-dht requests sent by hand between test peers: a PUT_VALUE or GET_VALUE straight to one peer,
// bypassing the sender's own datastore and query logic, to see what that one replica does.
import { Record as DHTRecord } from '@libp2p/kad-dht'
import { fromString } from 'uint8arrays'
import type { Peer } from '../../src/main/peer/index.js'

// kad-dht internals the tests reach into: its request sender and its routing table
export interface DhtInternals {
  network: { sendRequest: (to: unknown, msg: object, options: { signal: AbortSignal }) => AsyncIterable<{ name: string, record?: { value: Uint8Array } }> }
  routingTable: { size: number }
}
export const dhtInternals = (p: Peer): DhtInternals => p.node.services.dht as unknown as DhtInternals

/** PUT_VALUE sent straight to one peer: did it store (acknowledge) it? */
export async function directPut (from: Peer, to: Peer, key: string, bytes: Uint8Array): Promise<boolean> {
  const record = new DHTRecord(fromString(key), bytes, new Date()).serialize()
  let acked = false
  try {
    for await (const ev of dhtInternals(from).network.sendRequest(to.node.peerId, { type: 'PUT_VALUE', key: fromString(key), record }, { signal: AbortSignal.timeout(5000) })) {
      if (ev.name === 'PEER_RESPONSE' && ev.record != null) acked = true
    }
  } catch { /* a refused put resets the stream */ }
  return acked
}

/** GET_VALUE sent straight to one peer: the value it holds for `key`, if any. */
export async function directGet (from: Peer, to: Peer, key: string): Promise<Uint8Array | undefined> {
  let value: Uint8Array | undefined
  try {
    for await (const ev of dhtInternals(from).network.sendRequest(to.node.peerId, { type: 'GET_VALUE', key: fromString(key) }, { signal: AbortSignal.timeout(5000) })) {
      if (ev.name === 'PEER_RESPONSE' && ev.record != null) value = ev.record.value
    }
  } catch { /* nothing held */ }
  return value
}
