// Defaults for the libp2p factory, tuned for an organisation: many peers per machine or behind one
// office NAT, desktops that must stay quiet when idle. One line each says why the value is what it is.

/** Our own DHT protocol id, so we never join (or pollute) the public IPFS DHT. */
export const DHT_PROTOCOL = '/mcloud/kad/1.0.0'

/** Record namespace our validators/selectors serve: keys look like `/mc/...`. */
export const RECORD_NAMESPACE = 'mc'

/** kad-dht's datastore prefix (its default); records live under `${prefix}/record/<base32 key>`. */
export const DHT_DATASTORE_PREFIX = '/dht'

/** Domain-separation label hashed with the organisation key into the Noise prologue. */
export const NOISE_PROLOGUE_LABEL = 'mcloud/noise-prologue/v1'

/** First line of an organisation key file; bump the version if the format ever changes. */
export const ORG_KEY_FILE_HEADER = 'mcloud-org-key v1'

/** Organisation keys are 32 random bytes (a full-strength HMAC-SHA256 key). */
export const ORG_KEY_BYTES = 32

/** File in the data dir holding the peer's protobuf-marshalled Ed25519 private key. */
export const IDENTITY_FILE = 'identity.key'

/** Secrets are readable by their owner only. */
export const SECRET_FILE_MODE = 0o600

/** libp2p's own default; a desktop peer rarely needs more and 300 sockets are cheap. */
export const MAX_CONNECTIONS = 300

/**
 * A dial, handshake included, may take this long (libp2p's default is 10 s). On a busy desktop, or
 * while a large organisation starts and every member meets every other, Noise handshakes queue
 * behind each other; cut off at 10 s they were redone from scratch (bench scale, 100 peers: most
 * of the start-up's dials failed that way and the mesh never formed).
 */
export const DIAL_TIMEOUT_MS = 30_000

/**
 * Each address a dial tries has its own limit, handshake included (libp2p's default is 6 s). At 6 s
 * it cut off the slow handshakes DIAL_TIMEOUT_MS was raised for, whatever that said (bench scale,
 * 100 peers starting: 78 % of our dials failed so, with a median of 3.5–4.8 s for those that did
 * not). Half the dial's limit, so that a member whose first address never answers (a private
 * address seen from another network) is still tried at a second one, e.g. its relay address.
 */
export const ADDRESS_DIAL_TIMEOUT_MS = DIAL_TIMEOUT_MS / 2

/** Re-find DHT neighbours every 5 min (kad-dht default); an organisation's membership changes slowly. */
export const DHT_QUERY_SELF_INTERVAL = 5 * 60_000

/** Inbound DHT RPCs must finish within 10 s (kad-dht default) so a slow peer cannot pin streams. */
export const DHT_INCOMING_MESSAGE_TIMEOUT = 10_000

/** Gossip messages below this size get no IDONTWANT notices (gossipsub's default is 512 bytes). */
export const GOSSIP_IDONTWANT_MIN_BYTES = 64 * 1024

/** How long a peer pruned from a gossip mesh waits before grafting the same peer again (gossipsub's default is 60 s; see gossip-mesh.ts). */
export const GOSSIP_PRUNE_BACKOFF_MS = 2000

/** Peers outside the mesh sent IHAVE gossip each heartbeat, per topic (gossipsub's default is 6, growing with the network). */
export const GOSSIP_DLAZY = 2

/** Every desktop may relay for others; the default of 15 reservations is too few for an office. */
export const RELAY_MAX_RESERVATIONS = 128

/** Relayed connections only carry WebRTC signalling before the direct upgrade: 2 min is plenty. */
export const RELAY_DURATION_LIMIT_MS = 2 * 60_000

/** How long the dialer of a relayed connection tries to upgrade it to a direct WebRTC connection. */
export const WEBRTC_UPGRADE_TIMEOUT_MS = 20_000

/**
 * Loopback and private ranges skip the connection manager's per-host inbound rate limit: many peers
 * share 127.0.0.1 in tests and one NAT address in an office, and the limit would reset their dials.
 */
export const TRUSTED_NETWORKS = [
  '/ip4/127.0.0.0/ipcidr/8',
  '/ip4/10.0.0.0/ipcidr/8',
  '/ip4/172.16.0.0/ipcidr/12',
  '/ip4/192.168.0.0/ipcidr/16',
  '/ip4/100.64.0.0/ipcidr/10',
  '/ip6/::1/ipcidr/128',
  '/ip6/fc00::/ipcidr/7',
  '/ip6/fe80::/ipcidr/10'
]
