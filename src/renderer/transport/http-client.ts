// The browser client of the local API (web mode, `mcloud serve`): fetch for calls, one WebSocket
// for events; both report what they see to the Link, so the UI can show "retrying" or the token page.
import type {
  ApiEvent, CancelTaskResponse, DownloadOutputsResponse, HandBackResponse, MCloudApi, OrgKeyView, PeerConfigView, PeerView, StatusResponse,
  StopNowResponse, SubmitTaskResponse, TaskLogsResponse, TaskView
} from '../../shared/api.js'
import type { ControlApi, ControlJobDetail, ControlNodeView, ControlSummary, JobRow } from '../../shared/control-api.js'
import type { LendingView, WhyResponse } from '../../shared/sharing.js'
import { ApiError, errorFromBody } from './errors.js'
import { EventSocket } from './event-socket.js'
import type { Link } from './link.js'
import { openLogStream, type LogStreamHandle, type LogStreamInit } from './log-stream.js'
import { EVENTS_PATH, logStreamPath, routeCall, type HttpRouteName } from './routes.js'

export interface HttpClientInit {
  /** e.g. http://127.0.0.1:4312 (location.origin) */
  base: string
  /** undefined: every call fails as unauthorized, so the token page shows. */
  token: string | undefined
  link: Link
  /** Per-call deadline; default 30 s. */
  timeoutMs?: number
}

/** What the dashboard reads from a control peer (the Prometheus text is for scrapers, not the UI). */
export type ControlReadApi = Omit<ControlApi, 'metrics'>

/** Follows one task's log through the relay; the handle stops it. */
export type LogStreamOpener = (taskId: string, handlers: Omit<LogStreamInit, 'url'>) => LogStreamHandle

export interface HttpClient extends MCloudApi {
  retryNow: () => void
  /** CONTROL_ROUTES: answered by a control peer only (404 elsewhere, 503 while its database opens). */
  control: ControlReadApi
  openLogStream: LogStreamOpener
}

const DEFAULT_TIMEOUT_MS = 30_000

export function createHttpClient (init: HttpClientInit): HttpClient {
  const { base, token, link } = init
  const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const listeners = new Set<(event: ApiEvent) => void>()

  const unauthorized = (): ApiError => {
    link.update({ unauthorized: true })
    // Only a new URL from `mcloud ui-url` helps now: stop knocking with the refused token.
    events.stop()
    return new ApiError('UnauthorizedError', 'this page needs its access token', undefined, 401)
  }

  /** `deadline`: false for calls that last as long as their work (a download), not a fixed time. */
  async function call<T> (name: HttpRouteName, params?: Record<string, string>, body?: unknown, query?: Record<string, string | undefined>, deadline = true): Promise<T> {
    if (token === undefined) throw unauthorized()
    const { method, path } = routeCall(name, params, query)
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined
          ? { Authorization: `Bearer ${token}` }
          : { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline ? AbortSignal.timeout(timeoutMs) : undefined
      })
    } catch (err) {
      link.update({ httpReachable: false })
      const why = (err as Error)?.name === 'TimeoutError' ? 'timed out' : 'no answer'
      throw new ApiError('UnreachableError', `cannot reach the peer (${why})`)
    }
    link.update({ httpReachable: true })
    const text = await res.text().catch(() => '')
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = undefined
    }
    if (res.ok) return parsed as T
    if (res.status === 401) throw unauthorized()
    throw errorFromBody(parsed, res.status)
  }

  const wsUrl = (path: string): string => `${base.replace(/^http/, 'ws')}${path}?token=${encodeURIComponent(token ?? '')}`
  const events = new EventSocket({
    url: wsUrl(EVENTS_PATH),
    onEvent: (event) => { for (const l of [...listeners]) l(event) },
    onOpenChange: (open) => { link.update({ eventsOpen: open }) }
  })

  const id = (taskId: string): Record<string, string> => ({ id: taskId })

  return {
    status: () => call<StatusResponse>('status'),
    peers: () => call<PeerView[]>('peers'),
    listTasks: () => call<TaskView[]>('listTasks'),
    getTask: (taskId) => call<TaskView>('getTask', id(taskId)),
    // The peer hashes input files into its store before it answers: as long as they take, no deadline.
    submitTask: (request) => call<SubmitTaskResponse>('submitTask', {}, request, undefined, (request.inputPaths?.length ?? 0) === 0),
    cancelTask: (taskId) => call<CancelTaskResponse>('cancelTask', id(taskId)),
    taskLogs: (taskId) => call<TaskLogsResponse>('taskLogs', id(taskId)),
    whyTask: (taskId) => call<WhyResponse>('whyTask', id(taskId)),
    handBackTask: (taskId) => call<HandBackResponse>('handBackTask', id(taskId)),
    // A download takes as long as the data does; its transfer:progress events show it is alive.
    downloadOutputs: (taskId, request = {}) => call<DownloadOutputsResponse>('downloadOutputs', id(taskId), request, undefined, false),
    sharing: () => call<LendingView>('sharing'),
    updateSharing: (update) => call<LendingView>('updateSharing', {}, update),
    stopNow: () => call<StopNowResponse>('stopNow'),
    config: () => call<PeerConfigView>('config'),
    updateConfig: (update) => call<PeerConfigView>('updateConfig', {}, update),
    exportOrgKey: () => call<OrgKeyView>('exportOrgKey'),
    importOrgKey: (request) => call<OrgKeyView>('importOrgKey', {}, request),
    generateOrgKey: () => call<OrgKeyView>('generateOrgKey'),
    subscribe: (listener) => {
      listeners.add(listener)
      // Without a token the socket would only be refused; the token page shows instead.
      if (token !== undefined) events.start()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) events.stop()
      }
    },
    retryNow: () => { events.retryNow() },
    control: {
      summary: () => call<ControlSummary>('controlSummary'),
      jobs: (query) => call<JobRow[]>('controlJobs', {}, undefined, {
        status: query.status, limit: query.limit === undefined ? undefined : String(query.limit)
      }),
      job: (taskId) => call<ControlJobDetail>('controlJob', id(taskId)),
      nodes: () => call<ControlNodeView[]>('controlNodes')
    },
    openLogStream: (taskId, handlers) => openLogStream({ ...handlers, url: wsUrl(logStreamPath(taskId)) })
  }
}
