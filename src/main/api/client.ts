// A client of the local API with the same MCloudApi contract, for the CLI and scripts.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import {
  API_INFO_FILE, API_TOKEN_FILE,
  type ApiEvent, type ApiInfo, type CancelTaskResponse, type DownloadOutputsRequest, type DownloadOutputsResponse, type MCloudApi, type PeerView, type StatusResponse,
  type SubmitTaskRequest, type SubmitTaskResponse, type TaskLogsResponse, type TaskView, type HandBackResponse, type StopNowResponse, type OrgKeyView, type PeerConfigView
} from '../../shared/api.js'
import type { ControlJobDetail, ControlJobsQuery, ControlNodeView, ControlSummary, JobRow } from '../../shared/control-api.js'
import type { LendingView, WhyResponse } from '../../shared/sharing.js'
import { ApiClientError, isApiErrorName, PeerNotRunningError } from './errors.js'
import { followTaskLogs } from './log-stream-client.js'
import type { LogStreamFrame } from '../../shared/control-api.js'

export interface ApiClientOptions {
  /** Base URL from api.json, e.g. http://127.0.0.1:4312 */
  url: string
  token: string
  /** Per-request deadline in ms; default 30 000. */
  timeoutMs?: number
}

export interface EventStreamOptions {
  /** Called once when the stream ends for any reason other than the returned unsubscribe. */
  onClose?: (err?: Error) => void
}

export interface ApiClient extends MCloudApi {
  /**
   * Like MCloudApi's, but without the per-request deadline: a download lasts as long as the data
   * takes (its transfer:progress events show it is alive); `signal` abandons the wait.
   */
  downloadOutputs: (taskId: string, request?: DownloadOutputsRequest, options?: { signal?: AbortSignal }) => Promise<DownloadOutputsResponse>
  /** Like subscribe, but resolves only once the stream is open, so no later event is missed. */
  openEvents: (listener: (event: ApiEvent) => void, options?: EventStreamOptions) => Promise<() => void>
  /**
   * WS /api/tasks/:id/logs: the task's log from whichever peer runs it, across re-claims, until it
   * ends ('end' frame) or `signal` aborts. A peer that serves no relay: ApiClientError with status 404.
   */
  followTaskLogs: (taskId: string, onFrame: (frame: LogStreamFrame) => void, signal?: AbortSignal) => Promise<void>
  /** CONTROL_ROUTES: only a control peer answers them (404 elsewhere, 503 while its database opens). */
  controlSummary: () => Promise<ControlSummary>
  controlJobs: (query?: ControlJobsQuery) => Promise<JobRow[]>
  controlJob: (taskId: string) => Promise<ControlJobDetail>
  controlNodes: () => Promise<ControlNodeView[]>
  /** The Prometheus text, as served. */
  metrics: () => Promise<string>
}

const DEFAULT_TIMEOUT_MS = 30_000

export function createApiClient (options: ApiClientOptions): ApiClient {
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const auth = `Bearer ${options.token}`

  /** `signal`: replaces the per-request deadline (null: no deadline at all). */
  async function request<T> (method: string, path: string, body?: unknown, as: 'json' | 'text' = 'json', signal: AbortSignal | null = AbortSignal.timeout(timeoutMs)): Promise<T> {
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? { Authorization: auth } : { Authorization: auth, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal
      })
    } catch (err) {
      if (signal?.aborted === true && (err as Error)?.name === 'AbortError') throw err
      throw new PeerNotRunningError(`the peer API at ${base} did not answer (${describeFetchError(err)})`)
    }
    const text = await res.text()
    if (res.ok && as === 'text') return text as T
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (res.ok) return parsed as T
    const e = (parsed as { error?: { name?: unknown, message?: unknown, field?: unknown } } | undefined)?.error
    const name = isApiErrorName(e?.name) ? e.name : 'InternalError'
    const message = typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`
    throw new ApiClientError(name, message, res.status, typeof e?.field === 'string' ? e.field : undefined)
  }

  const task = (taskId: string): string => `/api/tasks/${encodeURIComponent(taskId)}`

  function openEvents (listener: (event: ApiEvent) => void, streamOptions: EventStreamOptions = {}): Promise<() => void> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/events`, { headers: { Authorization: auth } })
    let opened = false
    let unsubscribed = false
    const unsubscribe = (): void => {
      unsubscribed = true
      ws.close()
    }
    return new Promise((resolve, reject) => {
      ws.on('open', () => {
        opened = true
        resolve(unsubscribe)
      })
      ws.on('message', (data) => {
        let frame: ApiEvent | ApiEvent[]
        try {
          frame = JSON.parse(data.toString()) as ApiEvent | ApiEvent[]
        } catch {
          return
        }
        // Events that came close together arrive as one array frame.
        for (const event of Array.isArray(frame) ? frame : [frame]) listener(event)
      })
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0
        res.resume()
        ws.terminate()
        const err = status === 401 || status === 403
          ? new ApiClientError('UnauthorizedError', 'missing or invalid API token', status)
          : new ApiClientError('InternalError', `events: HTTP ${status}`, status)
        if (!opened) reject(err)
      })
      ws.on('error', (err) => {
        if (!opened) reject(new PeerNotRunningError(`the peer API at ${base} did not answer (${describeFetchError(err)})`))
      })
      ws.on('close', (code, reason) => {
        if (!opened || unsubscribed) return
        streamOptions.onClose?.(new Error(`event stream closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`))
      })
    })
  }

  return {
    status: () => request<StatusResponse>('GET', '/api/status'),
    peers: () => request<PeerView[]>('GET', '/api/peers'),
    listTasks: () => request<TaskView[]>('GET', '/api/tasks'),
    getTask: (taskId) => request<TaskView>('GET', task(taskId)),
    // The peer hashes input files into its store before it answers: as long as they take, no deadline.
    submitTask: (req: SubmitTaskRequest) => request<SubmitTaskResponse>('POST', '/api/tasks', req, 'json',
      (req.inputPaths?.length ?? 0) > 0 ? null : AbortSignal.timeout(timeoutMs)),
    cancelTask: (taskId) => request<CancelTaskResponse>('POST', `${task(taskId)}/cancel`),
    taskLogs: (taskId) => request<TaskLogsResponse>('GET', `${task(taskId)}/logs`),
    whyTask: (taskId) => request<WhyResponse>('GET', `${task(taskId)}/why`),
    handBackTask: (taskId) => request<HandBackResponse>('POST', `${task(taskId)}/hand-back`),
    downloadOutputs: (taskId, req = {}, options = {}) =>
      request<DownloadOutputsResponse>('POST', `${task(taskId)}/download`, req, 'json', options.signal ?? null),
    sharing: () => request<LendingView>('GET', '/api/sharing'),
    updateSharing: (update) => request<LendingView>('POST', '/api/sharing', update),
    stopNow: () => request<StopNowResponse>('POST', '/api/sharing/stop-now'),
    config: () => request<PeerConfigView>('GET', '/api/config'),
    updateConfig: (update) => request<PeerConfigView>('POST', '/api/config', update),
    exportOrgKey: () => request<OrgKeyView>('GET', '/api/org-key'),
    importOrgKey: (req) => request<OrgKeyView>('POST', '/api/org-key', req),
    generateOrgKey: () => request<OrgKeyView>('POST', '/api/org-key/generate'),
    subscribe: (listener) => {
      let stop: (() => void) | undefined
      let cancelled = false
      openEvents(listener).then((unsubscribe) => {
        if (cancelled) unsubscribe()
        else stop = unsubscribe
      }, (err: unknown) => { console.error('mcloud: event stream failed:', (err as Error).message) })
      return () => {
        cancelled = true
        stop?.()
      }
    },
    openEvents,
    followTaskLogs: async (taskId, onFrame, signal) => { await followTaskLogs(base, auth, taskId, onFrame, signal) },
    controlSummary: () => request<ControlSummary>('GET', '/api/control/summary'),
    controlJobs: (query = {}) => {
      const search = new URLSearchParams()
      if (query.status !== undefined) search.set('status', query.status)
      if (query.limit !== undefined) search.set('limit', String(query.limit))
      const qs = search.toString()
      return request<JobRow[]>('GET', `/api/control/jobs${qs === '' ? '' : `?${qs}`}`)
    },
    controlJob: (taskId) => request<ControlJobDetail>('GET', `/api/control/jobs/${encodeURIComponent(taskId)}`),
    controlNodes: () => request<ControlNodeView[]>('GET', '/api/control/nodes'),
    metrics: () => request<string>('GET', '/metrics', undefined, 'text')
  }
}

function describeFetchError (err: unknown): string {
  const e = err as { name?: string, message?: string, code?: string, cause?: { code?: string, message?: string } }
  if (e?.name === 'TimeoutError') return 'timed out'
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err)
}

export interface LocalApiInfo extends ApiInfo { token: string, dataDir: string }

/**
 * Finds the peer serving `dataDir`: reads api.json and api-token and checks that the API answers.
 * Throws PeerNotRunningError when there is nothing to talk to.
 */
export async function readApiInfo (dataDir: string, options: { timeoutMs?: number } = {}): Promise<LocalApiInfo> {
  const notRunning = (why?: string): PeerNotRunningError => new PeerNotRunningError(
    `no peer is running with data dir ${dataDir}${why === undefined ? '' : `: ${why}`}` +
    ` (start one with: mcloud agent --data-dir ${dataDir})`
  )
  let info: ApiInfo
  let token: string
  try {
    info = JSON.parse(await readFile(join(dataDir, API_INFO_FILE), 'utf8')) as ApiInfo
    token = (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notRunning()
    if (err instanceof SyntaxError) throw notRunning(`${API_INFO_FILE} is unreadable`)
    throw notRunning((err as Error).message)
  }
  if (typeof info?.url !== 'string' || typeof info.pid !== 'number') throw notRunning(`${API_INFO_FILE} is malformed`)
  if (!processAlive(info.pid)) throw notRunning(`stale ${API_INFO_FILE} of process ${info.pid}`)
  try {
    // Any HTTP answer proves a server is there; auth errors surface on the real request.
    await fetch(`${info.url.replace(/\/+$/, '')}/api/status`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000)
    }).then((res) => res.body?.cancel())
  } catch (err) {
    throw notRunning(`its API at ${info.url} did not answer: ${describeFetchError(err)}`)
  }
  return { ...info, token, dataDir }
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
