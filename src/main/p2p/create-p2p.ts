// The one place that decides how an organisation's libp2p node is built. The composition root
// (src/main/peer) calls createP2P() and starts/stops the returned node in its written order.
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTC } from '@libp2p/webrtc'
import { yamux } from '@libp2p/yamux'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import * as C from './constants.js'
import { trustConnectedContacts } from './dht-contacts.js'
import { orgNoise } from './encrypter.js'
import { MonotonicDatastore } from './monotonic-datastore.js'
import { gossipScoreParams } from './gossip-score.js'
import { webRTCUpgrader } from './webrtc-upgrader.js'
import { batchYamuxWindowUpdates } from './yamux-window.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import type { KadDHT, SelectFn, ValidateFn } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { WebRTCUpgrader } from './webrtc-upgrader.js'
import { libp2pLogger } from './quiet-logger.js'
import { COMPLETE_MESH } from './gossip-mesh.js'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'

export type { SelectFn, ValidateFn }

export interface P2PConfig {
  /** This peer's Ed25519 identity; the caller persists it (see loadOrCreateIdentity) */
  privateKey: PrivateKey
  /** Listen addresses, e.g. '/ip4/0.0.0.0/tcp/4001'; a peer that cannot be reached uses '/p2p-circuit' + '/webrtc' */
  listen: string[]
  /** Addresses to announce instead of the listen addresses (e.g. a forwarded port); default: none */
  announce?: string[]
  /** Multiaddrs (with /p2p/<id>) of peers to dial at start; empty disables the bootstrap module */
  bootstrap: string[]
  /** The organisation key (32 bytes, see orgKeyFromFile); peers with another key cannot connect */
  orgKey: Uint8Array
  /** Discover peers on the LAN with multicast DNS; default true */
  mdns?: boolean
  /** Relay for members that cannot dial each other (circuit relay v2 hop); default true */
  relayServer?: boolean
  /** DHT record validators by key namespace ('mc'); throw to reject */
  validators: Record<string, ValidateFn>
  /** DHT record selectors by key namespace ('mc'); return the index of the best record */
  selectors: Record<string, SelectFn>
  /** Backing datastore, wrapped so DHT replicas never roll back; default in-memory */
  datastore?: Datastore
  /** Called with a record's value when its key is new to this replica; throw to refuse (no ack). Default: all stored */
  admitNewRecord?: (value: Uint8Array) => void
  /** ICE servers (STUN/TURN urls) for WebRTC; default libp2p's public STUN list, [] for LAN only */
  iceServers?: string[]
  /** Test/bench hook: refuses connections to chosen peers (bench partition splits the network with it); default none */
  connectionGater?: ConnectionGater
}

// a type alias, not an interface: libp2p's ServiceMap needs an index-compatible type
export type MCServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
  webrtcUpgrader: WebRTCUpgrader
  /** present unless config.relayServer is false */
  relay?: CircuitRelayService
}

export type MCLibp2p = Libp2p<MCServices>

/**
 * Builds the organisation's libp2p node WITHOUT starting it: the composition root calls
 * `node.start()` once its own listeners are attached, and `node.stop()` on shutdown.
 */
export async function createP2P (config: P2PConfig): Promise<MCLibp2p> {
  const datastore = new MonotonicDatastore(config.datastore ?? new MemoryDatastore(), {
    selectors: config.selectors,
    dhtPrefix: C.DHT_DATASTORE_PREFIX,
    admitNew: config.admitNewRecord
  })

  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (config.mdns ?? true) peerDiscovery.push(mdns())
  if (config.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: config.bootstrap }))

  const services: ServiceFactoryMap<MCServices> = {
    identify: identify(),
    identifyPush: identifyPush(),
    ping: ping(),
    dht: kadDHT({
      protocol: C.DHT_PROTOCOL,
      clientMode: false,
      datastorePrefix: C.DHT_DATASTORE_PREFIX,
      // organisation peers live on loopback/LAN addresses; the default mapper would drop them all
      peerInfoMapper: passthroughMapper,
      validators: config.validators,
      selectors: config.selectors,
      querySelfInterval: C.DHT_QUERY_SELF_INTERVAL,
      // No ping options: the routing table admits contacts by their connection and never pings
      // (dht-contacts.ts, which fails the start if it cannot take over kad-dht's ping callbacks).
      incomingMessageTimeout: C.DHT_INCOMING_MESSAGE_TIMEOUT
    }),
    pubsub: gossipsub({
      // a lone peer (or the first one up) must still be able to publish its notifications
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      // every payload is already a signed record checked by the topic validator; signing the
      // gossip envelope too cost ~1/8 of a busy peer's CPU (measured). Ids are content hashes.
      globalSignaturePolicy: 'StrictNoSign',
      // Flood publish (gossipsub's default) sends each record to every connected member; the
      // mesh forwards only to peers that miss some member (gossip-mesh.ts, which sets these knobs
      // as connections come and go).
      ...COMPLETE_MESH,
      // A peer that reaches every member again prunes the links it grafted; a pruned peer that
      // still misses someone may graft it again after this (default 60 s).
      pruneBackoff: C.GOSSIP_PRUNE_BACKOFF_MS,
      // IDONTWANT (gossipsub 1.2) tells every mesh peer about each received message over 512 bytes:
      // one more frame per message per mesh peer. Our records are a few KiB and meshes are small
      // or empty, so the duplicates it saves cost less than the notices (~4% of a busy peer's CPU,
      // measured with a 4-wide mesh).
      idontwantMinDataSize: C.GOSSIP_IDONTWANT_MIN_BYTES,
      // Each heartbeat sends IHAVE lists to max(Dlazy, gossipFactor × non-mesh peers) peers per
      // topic: 6 by default, and a quarter of the organisation once it passes ~25 peers, so the
      // idle cost of every peer grew with the organisation (bench scale). Flood publish and the
      // mesh of a peer that misses members deliver every record; two lazy peers per topic keep a
      // repair path for a missed one.
      Dlazy: C.GOSSIP_DLAZY,
      gossipFactor: 0,
      // no IP colocation penalty, and a penalty for invalid records (gossip-score.ts)
      scoreParams: gossipScoreParams
    }),
    webrtcUpgrader: webRTCUpgrader()
  }
  if (config.relayServer ?? true) {
    services.relay = circuitRelayServer({
      reservations: {
        maxReservations: C.RELAY_MAX_RESERVATIONS,
        defaultDurationLimit: C.RELAY_DURATION_LIMIT_MS
      }
    })
  }

  batchYamuxWindowUpdates()
  const node = await createLibp2p({
    start: false,
    logger: libp2pLogger(),
    privateKey: config.privateKey,
    datastore,
    addresses: {
      listen: config.listen,
      announce: config.announce ?? []
    },
    transports: [
      tcp(),
      webRTC(config.iceServers == null ? {} : { rtcConfiguration: { iceServers: config.iceServers.map(urls => ({ urls })) } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [orgNoise(config.orgKey)],
    // keep-alive pings on every idle connection cost ~10x idle CPU with many peers (DESIGN.md)
    streamMuxers: [yamux({ enableKeepAlive: false })],
    peerDiscovery,
    connectionManager: {
      maxConnections: C.MAX_CONNECTIONS,
      dialTimeout: C.DIAL_TIMEOUT_MS,
      addressDialTimeout: C.ADDRESS_DIAL_TIMEOUT_MS,
      inboundUpgradeTimeout: C.DIAL_TIMEOUT_MS,
      allow: C.TRUSTED_NETWORKS
    },
    // the monitor pings every connection every 10 s: idle CPU for nothing on a LAN
    connectionMonitor: { enabled: false },
    ...(config.connectionGater === undefined ? {} : { connectionGater: config.connectionGater }),
    services
  })
  trustConnectedContacts(node)
  return node
}
