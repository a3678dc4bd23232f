// The control peer's read API (history, reports, dashboards) and the live log relay every peer
// serves. Separate from MCloudApi: only a control peer has a database, and IPC never carries these.
import type { LogLine } from './api.js'
import type { SharingMode, TaskStatus } from './schemas.js'

export const CONTROL_ROUTES = {
  controlSummary: 'GET /api/control/summary',
  /** ?status=<status>&limit=1..1000 (default 100); most recently updated first. */
  controlJobs: 'GET /api/control/jobs',
  /** One task with its full transition history and its recoveries. */
  controlJob: 'GET /api/control/jobs/:id',
  controlNodes: 'GET /api/control/nodes',
  /** Prometheus text exposition format (version 0.0.4); bearer token required like every route. */
  metrics: 'GET /metrics'
} as const

/**
 * WebSocket on every peer (not only the control peer): a task's log from whichever peer runs it,
 * following it across re-claims. The same path answers a plain GET with the buffered lines
 * (API_ROUTES.taskLogs). Server → client messages are LogStreamFrame JSON texts: one frame, or an
 * array of the frames that came within a few milliseconds (a log flood is not one message per line).
 * Auth as /api/events: the bearer header or ?token=; a refused upgrade is 401/403, and a peer
 * serving no relay answers the upgrade with 404.
 */
export const TASK_LOG_STREAM_ROUTE = 'WS /api/tasks/:id/logs'

export type LogStreamFrame =
  /** A log line (what was buffered first, then live lines as they come). */
  | { type: 'line', line: LogLine }
  /**
   * The task is now held (or no longer held) by this peer at this epoch: a re-claim shows as a new
   * holder. Always the first frame; holder is null while queued, and the peer that ran it once ended.
   */
  | { type: 'holder', holder: string | null, epoch: number, status: TaskStatus }
  /** The task reached a terminal state; the server closes the socket after this frame (code 1000). */
  | { type: 'end', status: TaskStatus, exitCode: number | null, error: string | null }
  /** Something went wrong (bad task id, unknown task); the socket closes after it with code 4400/4404. */
  | { type: 'error', name: string, message: string, field?: string }

/** One task as the control peer knows it: its spec (once seen) and the selected state record. */
export interface JobRow {
  id: string
  /** null until a state record of the task has been seen (only the spec is known). */
  status: TaskStatus | null
  /** The fencing epoch of the selected state. */
  leaseToken: number | null
  holder: string | null
  seq: number | null
  attempts: number | null
  exitCode: number | null
  error: string | null
  resultCid: string | null
  sigHash: string | null
  ttlSec: number | null
  submitter: string | null
  submitterName: string | null
  /** Spec fields: null until the spec record has been seen (a state may arrive first). */
  image: string | null
  command: string[] | null
  cpu: number | null
  memoryMb: number | null
  timeoutSec: number | null
  maxAttempts: number | null
  metrics: Record<string, unknown> | null
  /** The spec's createdAt (submitter's clock), ms. */
  createdAt: number | null
  /** The selected state's updatedAt (its writer's clock, display only), ms. */
  updatedAt: number | null
  /** updatedAt of the terminal state, when the task is finished. */
  finishedAt: number | null
  /** When this control peer first saw the selected state record (its own clock), ms. */
  observedAt: number | null
}

export interface NodeRow {
  peerId: string
  name: string
  version: string
  cores: number
  idleCpuPct: number
  freeMemMb: number
  lendableCpu: number
  lendableMemMb: number
  sharing: SharingMode
  dockerOk: boolean
  allowNetwork: boolean
  runningTasks: number
  seq: number
  sigHash: string
  updatedAt: number
  /** When this control peer first saw the node's newest meta record. */
  lastSeen: number
}

/** One state transition as recorded in task_events. */
export interface TaskEventView {
  epoch: number
  status: TaskStatus
  seq: number
  holder: string | null
  attempts: number
  exitCode: number | null
  error: string | null
  /** The writer's clock, ms. */
  updatedAt: number
  /** When the control peer first saw it, ms. */
  observedAt: number
}

/**
 * A task that moved from a holder that stopped (its lease expired, or it handed the task back) to
 * another one: from the old holder's last record to the new holder's first lease, by the writers'
 * clocks (peers of one organisation are assumed NTP-synchronised; a negative gap is reported as 0).
 */
export interface RecoveryView {
  taskId: string
  fromEpoch: number
  toEpoch: number
  fromHolder: string | null
  toHolder: string | null
  /** The old holder's last record, ms. */
  lastSeenAt: number
  /** The new holder's first leased/running record, ms. */
  resumedAt: number
  gapMs: number
}

export interface Percentiles { count: number, p50Ms: number | null, p95Ms: number | null, maxMs: number | null }

export interface ControlSummary {
  tasks: number
  /** Counts by status; 'unknown' = only the spec has been seen. */
  byStatus: Record<string, number>
  /** succeeded / (succeeded + failed); null before anything finished. Cancelled tasks are not failures. */
  successRate: number | null
  nodes: number
  /** Nodes whose meta was seen in the last 60 s. */
  nodesAlive: number
  recovery: Percentiles
  database: {
    kind: 'pg' | 'pglite'
    up: boolean
    /** Records waiting to be written (the database is slow or away). */
    queued: number
    /** Records that fell out of the bounded queue (a reconcile catches them up). */
    dropped: number
    written: number
    lastReconcileAt: number | null
  }
  generatedAt: number
}

export interface ControlNodeView extends NodeRow {
  /** Meta seen in the last 60 s. */
  alive: boolean
  /** From node_history over the last `windowMin` minutes (null when no sample fell in it). */
  utilisation: {
    windowMin: number
    samples: number
    avgIdleCpuPct: number | null
    avgRunningTasks: number | null
    /** Average share of its cores the peer lent to tasks, 0..1 (running tasks' CPU ÷ cores). */
    avgLentShare: number | null
  }
  /** Tasks whose selected state names this peer as holder, by outcome. */
  tasks: { running: number, succeeded: number, failed: number }
}

export interface ControlJobDetail {
  job: JobRow
  /** Oldest first. Bounded to the last 1,000 transitions. */
  events: TaskEventView[]
  recoveries: RecoveryView[]
}

export interface ControlJobsQuery { status?: TaskStatus, limit?: number }

/** Implemented by the control peer; served over HTTP by its API server. */
export interface ControlApi {
  summary: () => Promise<ControlSummary>
  jobs: (query: ControlJobsQuery) => Promise<JobRow[]>
  job: (taskId: string) => Promise<ControlJobDetail>
  nodes: () => Promise<ControlNodeView[]>
  /** Prometheus text exposition format. */
  metrics: () => Promise<string>
}
