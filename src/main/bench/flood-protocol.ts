// What flood.ts and its peer processes (flood-peer.ts) tell each other: the start-up settings in an
// environment variable, then messages over the IPC channel. Its own module: importing the worker
// itself would start a peer.

export interface FloodPeerInit {
  root: string
  name: string
  orgKeyFile: string
  bootstrap: string[]
  /** Runs tasks with the real Docker executor (label owner = this); none: it only submits and serves. */
  dockerOwner?: string
  /** Serves the local API (the measured peer); the partner only holds DHT replicas. */
  api: boolean
  /** How often the process's memory is sent to the parent. */
  memoryEveryMs: number
}

export type FloodPeerMessage =
  | { type: 'ready', addr: string, apiUrl: string | null, token: string | null }
  /** `loopDelayMs`: the peer's longest event-loop delay since the previous sample. */
  | { type: 'memory', at: number, rss: number, heapUsed: number, external: number, loopDelayMs: number }
  | { type: 'failed', error: string }

export const FLOOD_PEER_ENV = 'MCLOUD_FLOOD_PEER'
