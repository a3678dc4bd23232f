// One started organisation libp2p node on loopback TCP for p2p integration tests: no bootstrap,
// no mDNS, no ICE servers, records accepted as they come (tests that care pass their own).
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createP2P, type MCLibp2p, type P2PConfig } from '../../src/main/p2p/index.js'

export async function startMember (orgKey: Uint8Array, overrides: Partial<P2PConfig> = {}): Promise<MCLibp2p> {
  const node = await createP2P({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [],
    orgKey,
    mdns: false,
    iceServers: [],
    validators: { mc: async () => {} },
    selectors: { mc: () => 0 },
    ...overrides
  })
  await node.start()
  return node
}
