// The client side of WS /api/tasks/:id/logs (the live log relay), for the CLI and scripts.
import { WebSocket } from 'ws'
import type { LogStreamFrame } from '../../shared/control-api.js'
import { ApiClientError, isApiErrorName, PeerNotRunningError } from './errors.js'

/** Statuses the client reports for the close codes that follow an 'error' frame. */
const ERROR_STATUS: Record<string, number> = { ValidationError: 4400, NotFoundError: 4404 }

/**
 * Hands every frame but 'error' to `onFrame` in order; resolves after 'end' (or at once when
 * `signal` aborts). Rejects with ApiClientError whose status is the HTTP status when the upgrade
 * was refused (404: this peer serves no log relay) or the close code after an 'error' frame
 * (4400 bad task id, 4404 unknown task); PeerNotRunningError when nothing answers.
 */
export async function followTaskLogs (
  base: string, auth: string, taskId: string, onFrame: (frame: LogStreamFrame) => void, signal?: AbortSignal
): Promise<void> {
  if (signal?.aborted === true) return
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/tasks/${encodeURIComponent(taskId)}/logs`, { headers: { Authorization: auth } })
  await new Promise<void>((resolve, reject) => {
    let settled = false
    let opened = false
    let ended = false
    let failure: ApiClientError | undefined
    const settle = (err?: Error): void => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onAbort = (): void => { ws.close(1000); settle() }
    signal?.addEventListener('abort', onAbort, { once: true })
    ws.on('open', () => { opened = true })
    ws.on('message', (data) => {
      let decoded: unknown
      try {
        decoded = JSON.parse(data.toString())
      } catch {
        return
      }
      // Frames that came close together arrive as one array.
      for (const frame of (Array.isArray(decoded) ? decoded : [decoded]) as LogStreamFrame[]) {
        if (settled || typeof frame?.type !== 'string') continue
        if (frame.type === 'error') {
          failure = new ApiClientError(isApiErrorName(frame.name) ? frame.name : 'InternalError', frame.message, ERROR_STATUS[frame.name] ?? 1011, frame.field)
          continue
        }
        if (frame.type === 'end') ended = true
        onFrame(frame)
      }
    })
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0
      res.resume()
      ws.terminate()
      settle(status === 401 || status === 403
        ? new ApiClientError('UnauthorizedError', 'missing or invalid API token', status)
        : status === 404
          ? new ApiClientError('NotFoundError', 'this peer does not serve the live log relay', 404)
          : new ApiClientError('InternalError', `log stream: HTTP ${status}`, status))
    })
    ws.on('error', (err) => {
      if (!opened) settle(new PeerNotRunningError(`the peer API at ${base} did not answer (${err.message})`))
    })
    ws.on('close', (code, reason) => {
      if (failure !== undefined) settle(failure)
      else if (ended) settle()
      else settle(new ApiClientError('InternalError', `the log stream closed before the task ended (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`, code))
    })
  })
}
