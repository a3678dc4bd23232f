// Peer configuration with defaults in one place.
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { ConnectionGater } from '@libp2p/interface'
import type { ControlApi, SharingUpdate } from '../../shared/index.js'
import type { Executor } from '../executor/index.js'
import type { OpenedRecord } from '../records/index.js'
import type { Sampler } from '../resources/index.js'
import type { IdleSource } from './lending.js'

export interface PeerConfig {
  /** Identity, org key, API token and lock live here. Default ~/.mutual-cloud (or MCLOUD_DATA_DIR). */
  dataDir: string
  /** Display name shown to other peers. Default: the host name. */
  name?: string
  /** Listen multiaddrs. Default /ip4/0.0.0.0/tcp/0. */
  listen?: string[]
  /** Peers to dial at start (multiaddrs with /p2p/…). Default none. */
  bootstrap?: string[]
  /** Organisation key file. Default <dataDir>/org.key, created on first start. */
  orgKeyFile?: string
  /** Lease time-to-live. Default 10 s. */
  leaseTtlMs?: number
  /** LAN discovery with mDNS. Default true. */
  mdns?: boolean
  /** Local API port; 0 picks a free one; null disables the API server. Default 0. */
  apiPort?: number | null
  /** Dials in flight shared with the other peers of this process (testbeds only; see PeerDialerInit.shared). Default none. */
  dialSlots?: { acquire: () => Promise<() => void> }
  /** Runs claimed tasks. Default none: the peer only submits and observes. */
  executor?: Executor
  /** Most tasks run at once (the owner's `maxTasks` setting, saved). Default: the saved setting, else one per core. */
  slots?: number
  /** Owner's settings to apply (and save) at start, e.g. caps from command-line flags. */
  sharing?: SharingUpdate
  /** CPU / memory sampler. Default: systeminformation every 2 s. */
  sampler?: Sampler
  /** Sees every record that becomes the best this peer knows for its key (gossip or DHT): the control peer mirrors them. */
  onRecord?: (record: OpenedRecord) => void
  /** Abuse limits (defaults in peer/constants.ts): tasks this peer's API posts, and new tasks it takes per submitter from gossip. */
  /** Task inputs and outputs (src/main/data): how long finished tasks' content is kept (default 24 h) and how long a fetch may get no block before it fails (default 30 s). */
  data?: { retainMs?: number, fetchStallMs?: number }
  /** Abuse limits (defaults in constants.ts): own posts, new tasks taken from gossip, new records stored as a replica (per writer). */
  taskLimits?: { postBurst?: number, postPerMinute?: number, acceptBurst?: number, acceptPerMinute?: number, catchUpMs?: number, recordBurst?: number, recordPerMinute?: number }
  /**
   * Set by the control peer: its read API, served at CONTROL_ROUTES (and /metrics) by this peer's
   * API server. Returns undefined while the database is still opening (the routes answer 503).
   */
  control?: () => ControlApi | undefined
  /** Seconds since the user last used the machine (Electron's powerMonitor). Default none: idle-only judges by CPU load. */
  idleSource?: IdleSource
  /** Replica acknowledgements a write needs. Default 3. */
  putQuorum?: number
  /**
   * How long a member that vanished without a goodbye still counts towards the majority a lease
   * write needs (lease/membership.ts). Longer guards longer partitions; shorter lets survivors of
   * a mass crash resume sooner. Default max(60 s, 6 × lease ttl).
   */
  membershipWindowMs?: number
  /** Settle window between a claim and its verifying re-read. Default 100 ms (stretched to twice the recent write latency under load). */
  claimSettleMs?: number
  /** Act as a circuit relay for members that cannot dial each other. Default true. */
  relayServer?: boolean
  /** Peer ids refused (no connection, records ignored), added to the saved list (config.json denyPeers). Default none. */
  denyPeers?: string[]
  /** Peer ids admitted, added to the saved list; when the result is non-empty only they (and this peer) are. Default none: every member. */
  allowPeers?: string[]
  /** Test/bench hook passed to libp2p: refuses connections to chosen peers (bench partition). Default none. */
  connectionGater?: ConnectionGater
}

export const defaultDataDir = (): string => process.env.MCLOUD_DATA_DIR ?? join(homedir(), '.mutual-cloud')
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']
export const DEFAULT_LEASE_TTL_MS = 10_000
export const VERSION = '0.1.0'
