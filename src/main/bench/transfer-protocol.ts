// What transfer.ts and its two peer processes (transfer-peer.ts) tell each other: start-up settings
// in an environment variable, then request/reply messages over the IPC channel. Its own module:
// importing the worker itself would start a peer.

export interface TransferPeerInit {
  /** This peer's scratch directory (content store, files). */
  dir: string
  orgKeyFile: string
  /** Blocks a fetch wants at once (the content store's fetchConcurrency). */
  fetchConcurrency: number
}

export type TransferRequest =
  /** Writes `bytes` random bytes to a file and adds it to the store. */
  | { op: 'add', bytes: number }
  | { op: 'dial', addr: string }
  /** Fetches `cid` into the store (bitswap), verifying every block. */
  | { op: 'fetch', cid: string, bytes: number, stallMs: number }
  /** Writes the fetched content to a file and hashes it. */
  | { op: 'export', cid: string }
  /** Serves the added file's bytes to whoever connects over plain TCP. */
  | { op: 'tcp-serve' }
  /** Copies the served bytes over plain TCP into a file. */
  | { op: 'tcp-copy', port: number, bytes: number }
  /** Serves the added file's bytes on a plain libp2p stream protocol (Noise + yamux, no bitswap). */
  | { op: 'stream-serve' }
  /** Copies the bytes A serves over one libp2p stream into a file: the transport's own ceiling. */
  | { op: 'stream-copy', addr: string, bytes: number }
  /** The CPU time this process has used so far (cpuMs). */
  | { op: 'cpu' }

export interface TransferReply {
  id: number
  error?: string
  addr?: string
  cid?: string
  sha256?: string
  port?: number
  ms?: number
  bytes?: number
  /** Highest RSS of the process while the request ran. */
  peakRssMb?: number
  /** CPU time (user + system) of the process: so far ('cpu'), or while the request ran. */
  cpuMs?: number
}

export type TransferPeerMessage = { type: 'ready', addr: string } | { type: 'reply', reply: TransferReply } | { type: 'failed', error: string }

export const TRANSFER_PEER_ENV = 'MCLOUD_TRANSFER_PEER'

/** Extra node flags for both peer processes (space-separated), e.g. to take CPU profiles. */
export const TRANSFER_PEER_NODE_ARGS_ENV = 'MCLOUD_TRANSFER_PEER_NODE_ARGS'
