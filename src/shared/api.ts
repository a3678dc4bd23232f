// The one API contract: requests, responses and events, used by the HTTP/WS server, the CLI,
// and later IPC and the renderer. Routes are listed one per line, like Syncthing's lib/api.
import { z } from 'zod'
import type { NodeMeta, SharingMode, TaskInput, TaskStatus } from './schemas.js'
import { MAX_TASK_INPUTS, PEER_ID_PATTERN, peerIdString, taskIdString, taskRequestFields } from './schemas.js'
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
  downloadOutputs: 'POST /api/tasks/:id/download',
  sharing: 'GET /api/sharing',
  updateSharing: 'POST /api/sharing',
  stopNow: 'POST /api/sharing/stop-now',
  config: 'GET /api/config',
  updateConfig: 'POST /api/config',
  exportOrgKey: 'GET /api/org-key',
  importOrgKey: 'POST /api/org-key',
  generateOrgKey: 'POST /api/org-key/generate',
  events: 'WS /api/events'
} as const

/** Most peer ids an allow or deny list holds. */
export const MAX_LISTED_PEERS = 1000

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
  network: taskRequestFields.network.default(DEFAULT_TASK.network),
  /**
   * Files or directories on the peer's own machine (absolute paths): the peer adds each to its
   * content store and the spec carries their CIDs (`inputs`); the task sees /input/<basename>.
   */
  inputPaths: z.array(z.string().min(1, 'input paths are not empty').max(4096, 'input paths are at most 4096 characters'))
    .max(MAX_TASK_INPUTS, `at most ${MAX_TASK_INPUTS} inputs`).optional()
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
  /** 'control' on a control peer (it also serves CONTROL_ROUTES: the dashboard's data). */
  role: 'peer' | 'control'
  /**
   * The organisation as this peer sees it: members it reaches now (itself included) of those it
   * knows. Without a majority (the smaller side of a split network) it claims and commits nothing.
   */
  members?: { reachable: number, known: number, majority: boolean }
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
  /** The submitter's display name, once its spec is known here. */
  submitterName: string | null
  image: string | null
  command: string[] | null
  /** What it asks for (null until the spec is known here). */
  cpu: number | null
  memoryMb: number | null
  timeoutSec: number | null
  mine: boolean
  /** This peer holds its lease and runs it now. */
  runningHere: boolean
  /** Wall-clock ms its run here started (null unless runningHere), for the elapsed time shown to the owner. */
  runningHereSince: number | null
  /** Wall-clock ms of submission (from the spec), for display only. */
  createdAt: number | null
  updatedAt: number
  /** What the task reads at /input/<name> (null until the spec is known here; [] when none). */
  inputs: TaskInput[] | null
  /** The CID of what it left in /output (null: none, or not finished). */
  resultCid: string | null
  /** Where this peer saved its outputs (a task of mine, fetched automatically), null until saved. */
  outputsDir: string | null
}

/** Fetches a task's outputs into `dir` (default: <data dir>/outputs/<task id>). */
export const downloadOutputsRequestSchema = z.object({
  dir: z.string().min(1, 'dir is not empty').max(4096, 'dir is at most 4096 characters').optional()
}).strict()
export type DownloadOutputsRequest = z.infer<typeof downloadOutputsRequestSchema>
export interface DownloadOutputsResponse {
  taskId: string
  cid: string
  /** Absolute path of the folder now holding the outputs. */
  dir: string
  bytes: number
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
/** The peer's own settings (besides sharing): saved in the data dir, most applied at the next start. */
export interface PeerConfigView {
  dataDir: string
  name: string
  /** Peers dialled at start (multiaddrs with /p2p/…). */
  bootstrap: string[]
  /** The Docker engine endpoint (like DOCKER_HOST), or null for the default socket. */
  dockerHost: string | null
  orgFingerprint: string
  listen: string[]
  /** A saved change (org key, Docker endpoint, name) takes effect only after a restart. */
  restartRequired: boolean
  /** Saved peer ids refused: no connection, their records ignored. Applied at once. */
  denyPeers: string[]
  /** Saved peer ids admitted; when non-empty only they (and this peer) are. Applied at once. */
  allowPeers: string[]
  /** The lists in force now: the saved ones plus those given on the command line (--deny, --allow). */
  accessInForce: { deny: string[], allow: string[] }
}

/** A list of peer ids whose error quotes the bad entry (a typo in one id among many must be findable). */
const peerIdList = (field: string): z.ZodArray<z.ZodString> => z.array(
  z.string().trim().regex(PEER_ID_PATTERN, { error: (issue) => `"${String(issue.input)}" is not a libp2p peer id (12D3Koo…)` })
).max(MAX_LISTED_PEERS, `at most ${MAX_LISTED_PEERS} peers in ${field}`)

export const peerConfigUpdateSchema = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(64, 'name must be at most 64 characters').optional(),
  // each entry as long as a node meta address may be (IPC has no body limit to bound it)
  bootstrap: z.array(z.string().trim().max(300, 'a bootstrap address is at most 300 characters').regex(/^\/[a-z0-9]+\/\S+\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, 'bootstrap peers are multiaddrs ending in /p2p/<peer id>')).max(32, 'at most 32 bootstrap peers').optional(),
  dockerHost: z.string().trim().regex(/^(unix|tcp|npipe):\/\/\S+$/, 'dockerHost must look like unix:///var/run/docker.sock or tcp://host:2375').max(300).nullable().optional(),
  denyPeers: peerIdList('denyPeers').optional(),
  allowPeers: peerIdList('allowPeers').optional()
}).strict()
export type PeerConfigUpdate = z.infer<typeof peerConfigUpdateSchema>

/** The organisation key as text (to copy to a colleague) and its fingerprint. */
export interface OrgKeyView { fingerprint: string, key: string, restartRequired: boolean }
export const importOrgKeySchema = z.object({ key: z.string().trim().min(1, 'key is required').max(1000) }).strict()

export interface HandBackResponse { taskId: string, handedBack: boolean }
export interface StopNowResponse { handedBack: string[] }

/** Events streamed over WS /api/events (and later IPC), named domain:verb. */
export type ApiEvent =
  | { type: 'task:state', task: TaskView }
  | { type: 'task:log', line: LogLine }
  | { type: 'peer:connect', peerId: string }
  | { type: 'peer:disconnect', peerId: string }
  | { type: 'sharing:changed', lending: LendingView }
  /** A download of a task's outputs (or its inputs, by a provider) going on here; `done` once with the end. */
  | { type: 'transfer:progress', taskId: string, direction: 'outputs' | 'inputs', bytes: number, total: number | null, done: boolean, error?: string }

/** Error body of every non-2xx response; `name` is one of the shared error names. */
export interface ApiErrorBody {
  error: { name: ApiErrorName, message: string, field?: string }
}
export type ApiErrorName = 'ValidationError' | 'NotFoundError' | 'UnauthorizedError' | 'ConflictError' | 'TooManyRequestsError' | 'InternalError'

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
  /** Fetches a finished task's outputs from whoever has them into a folder (progress: transfer:progress events). */
  downloadOutputs: (taskId: string, request?: DownloadOutputsRequest) => Promise<DownloadOutputsResponse>
  /** What this peer lends now and the owner's settings. */
  sharing: () => Promise<LendingView>
  /** Changes the owner's settings (mode, snooze, caps, idle policy); saved in the data dir. */
  updateSharing: (update: SharingUpdate) => Promise<LendingView>
  /** Pauses sharing and hands every running task back at once. */
  stopNow: () => Promise<StopNowResponse>
  /** The peer's own settings: name, bootstrap peers, Docker endpoint, data dir. */
  config: () => Promise<PeerConfigView>
  updateConfig: (update: PeerConfigUpdate) => Promise<PeerConfigView>
  /** The organisation key, to give to a colleague (it lets them join). */
  exportOrgKey: () => Promise<OrgKeyView>
  /** Joins another organisation: saves its key; takes effect at the next start. */
  importOrgKey: (request: { key: string }) => Promise<OrgKeyView>
  /** Starts a new organisation: a fresh key; takes effect at the next start. */
  generateOrgKey: () => Promise<OrgKeyView>
  /** Subscribes to the event stream; returns the unsubscribe function. */
  subscribe: (listener: (event: ApiEvent) => void) => () => void
}

/** Every method of MCloudApi but subscribe: the IPC channels of the desktop app are `mcloud:<method>`. */
export const API_METHODS = [
  'status', 'peers', 'listTasks', 'getTask', 'submitTask', 'cancelTask', 'taskLogs', 'whyTask', 'handBackTask', 'downloadOutputs',
  'sharing', 'updateSharing', 'stopNow', 'config', 'updateConfig', 'exportOrgKey', 'importOrgKey', 'generateOrgKey'
] as const satisfies ReadonlyArray<Exclude<keyof MCloudApi, 'subscribe'>>
export type ApiMethod = typeof API_METHODS[number]
/** The IPC channel the desktop app sends events on. */
export const API_EVENT_CHANNEL = 'mcloud:event'

/** Files the peer writes into its data dir so local clients can find it. */
export const API_INFO_FILE = 'api.json'
export const API_TOKEN_FILE = 'api-token'
export interface ApiInfo { url: string, port: number, pid: number, peerId: string }
