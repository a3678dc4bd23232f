// Membership is enforced in the Noise handshake, not by @libp2p/pnet (its WASM cipher leaks and
// breaks after ~10k connections, see DESIGN.md "Known pitfalls").
//
// Why this covers every transport:
// - TCP and relayed (/p2p-circuit) connections are upgraded with this encrypter, so a peer without
//   the organisation key fails the handshake with whoever it dials, relays included.
// - WebRTC private-to-private connections skip Noise (DTLS protects them), but they can only be set
//   up through the signalling protocol, which runs over a relayed connection that already passed
//   this handshake; the DTLS fingerprints travel inside it. A non-member never reaches signalling.
import { noise } from '@libp2p/noise'
import { noisePrologue } from './org-key.js'
import type { NoiseInit } from '@libp2p/noise'

/** The connection encrypter every product node (and the membership stress test) uses. */
export function orgNoise (orgKey: Uint8Array, init: Omit<NoiseInit, 'prologueBytes'> = {}): ReturnType<typeof noise> {
  return noise({ ...init, prologueBytes: noisePrologue(orgKey) })
}
