// kad-dht 16 dials every contact it hears of before the contact may enter its routing table: a
// peer named in any DHT reply, or just connected, gets a ping (a dial when not connected), and a
// full bucket pings its oldest contacts to find one to drop. While 100 members met each other,
// those pings were most of the dials, most timed out half-way through a Noise handshake on the
// saturated machine and were redone (bench scale), and some were pings of the peer itself.
//
// In an organisation a connection already proves what the ping checks: only members pass the
// organisation-keyed Noise handshake (encrypter.ts), and a live connection answers. So a contact
// this peer is connected to enters the table without a ping, one it is not connected to does not
// enter it (record replicas come from the membership, records/direct-replicas.ts, not from the
// table), and a full bucket drops an old contact only once its connection is gone. The routing
// table never dials. This replaces two callbacks of kad-dht's exported KBucket instance: re-check
// it on any kad-dht upgrade (test/integration/p2p-dht-contacts.test.ts fails if it stops applying).
import type { PeerId } from '@libp2p/interface'
import type { MCLibp2p } from './create-p2p.js'

interface Contact { peerId: PeerId }
interface KBucketCallbacks {
  verify: (contact: Contact, options?: object) => Promise<boolean>
  ping: (oldContacts: Contact[], options?: object) => AsyncGenerator<Contact>
}

/** Makes `node`'s kad-dht routing table admit and keep contacts by their connection, never by a dial. */
export function trustConnectedContacts (node: MCLibp2p): void {
  const kb = (node.services.dht as unknown as { routingTable?: { kb?: Partial<KBucketCallbacks> } }).routingTable?.kb
  if (typeof kb?.verify !== 'function' || typeof kb.ping !== 'function') {
    throw new Error('kad-dht internals changed: routingTable.kb.verify/ping not found (see src/main/p2p/dht-contacts.ts)')
  }
  const connected = (peer: PeerId): boolean => !peer.equals(node.peerId) && node.getConnections(peer).some(c => c.status === 'open')
  kb.verify = async contact => connected(contact.peerId)
  // The contacts to drop: those no longer connected (a crashed member's, one cut off by a split).
  kb.ping = async function * (oldContacts) {
    for (const contact of oldContacts) if (!connected(contact.peerId)) yield contact
  }
}
