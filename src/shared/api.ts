// The one API contract: requests, responses and events, used by the HTTP/WS server, the CLI,
// and later IPC and the renderer. Routes are listed one per line, like Syncthing's lib/api.
import { z } from 'zod'
import type { NodeMeta, SharingMode, TaskStatus } from './schemas.js'
import { peerIdString, taskIdString, taskRequestFields } from './schemas.js'
import type { LendingView, SharingUpdate, WhyResponse } from './sharing.js'

export const API_ROUTES = {
  status: 'GET /api/status',
  peers: 'GET /api/peers',
  listTasks: 'GET /api/tasks',
  submitTask: 'POST /api/tasks',
  getTask: 'GET /api/tasks/:id',
  cancelTask: 'POST /api/tasks/:id/cancel',
  taskLogs: 'GET /api/tasks/:id/logs',
  whyTask: 'GET /api/tasks/:id/why',
  handBackTask: 'POST /api/tasks/:id/hand-back',
  sharing: 'GET /api/sharing',
  updateSharing: 'POST /api/sharing',
  stopNow: 'POST /api/sharing/stop-now',
  events: 'WS /api/events'
} as const

/** Parses "256m", "1g", "512" (MiB) into MiB; undefined when malformed. */
export function parseMemoryMb (text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?)?$/i.exec(text.trim())
  if (m == null) return undefined
  const n = Number(m[1])
  const unit = (m[2] ?? 'm').toLowerCase()[0]
  const factor = unit === 'k' ? 1 / 1024 : unit === 'g' ? 1024 : unit === 't' ? 1024 * 1024 : 1
  const mb = Math.round(n * factor)
  return Number.isFinite(mb) ? mb : undefined
}

export const DEFAULT_TASK = { cpu: 1, memoryMb: 256, timeoutSec: 3600, maxAttempts: 3, retryOnFailure: false, network: false } as const

/** What a client submits; the peer fills in submitter, createdAt and nonce. */
export const submitTaskRequestSchema = z.object({
  ...taskRequestFields,
  image: z.string().trim().pipe(taskRequestFields.image),
  cpu: taskRequestFields.cpu.default(DEFAULT_TASK.cpu),
  memoryMb: taskRequestFields.memoryMb.default(DEFAULT_TASK.memoryMb),
  timeoutSec: taskRequestFields.timeoutSec.default(DEFAULT_TASK.timeoutSec),
  env: taskRequestFields.env.default({}),
  maxAttempts: taskRequestFields.maxAttempts.default(DEFAULT_TASK.maxAttempts),
  retryOnFailure: taskRequestFields.retryOnFailure.default(DEFAULT_TASK.retryOnFailure),
  network: taskRequestFields.network.default(DEFAULT_TASK.network)
}).strict()
export type SubmitTaskRequest = z.input<typeof submitTaskRequestSchema>
export type SubmitTaskInput = z.output<typeof submitTaskRequestSchema>

export const taskIdParamSchema = z.object({ id: taskIdString })
export const peerIdParamSchema = z.object({ id: peerIdString })

export interface StatusResponse {
  peerId: string
  name: string
  version: string
  addrs: string[]
  peers: number
  apiUrl: string
  dataDir: string
  orgFingerprint: string
  leaseTtlMs: number
  sharing: SharingMode
  executor: string
  runningTasks: number
  startedAt: number
}

export interface TaskView {
  taskId: string
  status: TaskStatus
  epoch: number
  holder: string | null
  attempts: number
  exitCode: number | null
  error: string | null
  submitter: string
  image: string | null
  command: string[] | null
  mine: boolean
  updatedAt: number
}

export interface PeerView {
  peerId: string
  addrs: string[]
  connected: boolean
  meta: NodeMeta | null
}

export interface LogLine {
  taskId: string
  epoch: number
  stream: 'stdout' | 'stderr' | 'system'
  line: string
  at: number
}

export interface SubmitTaskResponse { taskId: string }
export interface CancelTaskResponse { taskId: string, status: TaskStatus }
export interface TaskLogsResponse { taskId: string, lines: LogLine[], complete: boolean }
export interface HandBackResponse { taskId: string, handedBack: boolean }
export interface StopNowResponse { handedBack: string[] }

/** Events streamed over WS /api/events (and later IPC), named domain:verb. */
export type ApiEvent =
  | { type: 'task:state', task: TaskView }
  | { type: 'task:log', line: LogLine }
  | { type: 'peer:connect', peerId: string }
  | { type: 'peer:disconnect', peerId: string }
  | { type: 'sharing:changed', lending: LendingView }

/** Error body of every non-2xx response; `name` is one of the shared error names. */
export interface ApiErrorBody {
  error: { name: ApiErrorName, message: string, field?: string }
}
export type ApiErrorName = 'ValidationError' | 'NotFoundError' | 'UnauthorizedError' | 'ConflictError' | 'InternalError'

/**
 * The contract every transport serves (HTTP/WS here, IPC in the desktop app). Implemented by the
 * peer (src/main/peer); the API server and the CLI are thin adapters over it.
 * Methods throw errors whose `name` is an ApiErrorName (with `field` for ValidationError).
 */
export interface MCloudApi {
  status: () => Promise<StatusResponse>
  peers: () => Promise<PeerView[]>
  listTasks: () => Promise<TaskView[]>
  getTask: (taskId: string) => Promise<TaskView>
  submitTask: (request: SubmitTaskRequest) => Promise<SubmitTaskResponse>
  cancelTask: (taskId: string) => Promise<CancelTaskResponse>
  taskLogs: (taskId: string) => Promise<TaskLogsResponse>
  /** Asks every peer why it does not run this task and sums the answers up in plain words. */
  whyTask: (taskId: string) => Promise<WhyResponse>
  /** Releases a task running here so another peer takes it at once. */
  handBackTask: (taskId: string) => Promise<HandBackResponse>
  /** What this peer lends now and the owner's settings. */
  sharing: () => Promise<LendingView>
  /** Changes the owner's settings (mode, snooze, caps, idle policy); saved in the data dir. */
  updateSharing: (update: SharingUpdate) => Promise<LendingView>
  /** Pauses sharing and hands every running task back at once. */
  stopNow: () => Promise<StopNowResponse>
  /** Subscribes to the event stream; returns the unsubscribe function. */
  subscribe: (listener: (event: ApiEvent) => void) => () => void
}

/** Files the peer writes into its data dir so local clients can find it. */
export const API_INFO_FILE = 'api.json'
export const API_TOKEN_FILE = 'api-token'
export interface ApiInfo { url: string, port: number, pid: number, peerId: string }
