// The messages between the multi-process testbed's parent and its workers (child_process IPC).
// Requests carry an id and get exactly one reply; events flow from workers unasked, in batches.
import type { TestbedLoad } from './machine-load.js'

export interface StartPeers {
  /** Global peer indexes this worker starts. */
  indexes: number[]
  /** Multiaddrs (with /p2p/) every new peer bootstraps from. */
  bootstrap: string[]
  root: string
  orgKeyFile: string
  ttlMs: number
  slots: number
  /** Peers this worker starts at once. */
  batchSize: number
  /** Dials in flight at once among this worker's peers (0: only each peer's own bound). */
  dialsPerProc: number
}

export type Request =
  | { cmd: 'start', args: StartPeers }
  /** Every peer's address, so a peer short of neighbours can dial a few more. */
  | { cmd: 'repair', args: { addrs: string[], want: number, dials: number } }
  | { cmd: 'routing', args: Record<string, never> }
  | { cmd: 'measure-start', args: Record<string, never> }
  | { cmd: 'measure-stop', args: Record<string, never> }
  | { cmd: 'submit', args: { index: number, count: number, taskMs: number, concurrency: number, deadline: number } }
  | { cmd: 'status', args: { index: number, taskIds: string[] } }
  | { cmd: 'kill', args: { index: number } }
  | { cmd: 'stop', args: Record<string, never> }

export type Cmd = Request['cmd']

export interface StartedPeer { index: number, peerId: string, addr: string }

/** What one worker process measured between measure-start and measure-stop. */
export interface WorkerMeasure {
  peers: number
  wallMs: number
  load: TestbedLoad
  rssMb: number
  /** Highest resident memory the process ever had (getrusage maxrss). */
  peakRssMb: number
  heapUsedMb: number
  /** Bytes through the peers' TCP sockets (both directions summed over this worker's peers). */
  bytesIn: number
  bytesOut: number
  /** Gossip messages delivered to this worker's peers. */
  gossipIn: number
  connections: number
  /** Distinct members each peer is connected to, summed over this worker's peers (connections count duplicates). */
  membersReached: number
  /** This worker's peers that reach a majority of the members they know (only those claim). */
  withMajority: number
  /** Connections opened by this worker's peers (either side) during the measure: churn, not steady links. */
  connectionsOpened: number
}

/** One peer's event, stamped with the wall clock (one machine, one clock for every worker). */
export type PeerEventLine =
  | { at: number, peer: string, type: 'claimed', taskId: string, epoch: number }
  | { at: number, peer: string, type: 'committed', taskId: string, epoch: number, status: string }
  | { at: number, peer: string, type: 'adopted', taskId: string, epoch: number, status: string }
  | { at: number, peer: string, type: 'fenced', taskId: string, epoch: number, reason: string }
  | { at: number, peer: string, type: 'running', taskId: string, epoch: number }
  | { at: number, peer: string, type: 'terminal', taskId: string, holder: string, epoch: number, status: string }
  | { at: number, peer: string, type: 'run', taskId: string, epoch: number, phase: 'start' | 'end', aborted: boolean }
  | { at: number, peer: string, type: 'submitted', taskId: string }

export type WorkerMessage =
  | { type: 'ready', pid: number }
  | { type: 'reply', id: number, ok: true, value: unknown }
  | { type: 'reply', id: number, ok: false, error: string }
  | { type: 'events', events: PeerEventLine[] }
