// A peer as people know it: its chosen name, else the tail of its id.
import type { PeerView, StatusResponse } from '../../shared/api.js'
import { peerIdTail } from './units.js'

export function peerName (peerId: string, peers: readonly PeerView[] | undefined, self: StatusResponse | undefined): string {
  if (self !== undefined && peerId === self.peerId) return self.name !== '' ? `${self.name} (this computer)` : 'this computer'
  const meta = peers?.find((p) => p.peerId === peerId)?.meta
  return meta != null && meta.name !== '' ? meta.name : peerIdTail(peerId)
}
