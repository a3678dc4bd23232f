// WS /api/tasks/:id/logs (TASK_LOG_STREAM_ROUTE): one client's live log of a task, from the peer's
// log relay. Messages are LogStreamFrame JSON texts: one frame, or an array of the frames that came
// within one flush interval (a task printing thousands of lines a second must not cost a message
// per line). After 'end' the socket closes with 1000; after 'error' with 4400 (bad id) or 4404.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { DEFAULT_MAX_BUFFERED, FLUSH_MS, MAX_BATCH, MAX_INBOUND_PAYLOAD, closeSocketServer, refuseUpgrade, type UpgradeAuthorizer } from './socket-common.js'
import { compileRoutes, matchPath } from './routes.js'
import { taskIdParamSchema } from '../../shared/api.js'
import { TASK_LOG_STREAM_ROUTE, type LogStreamFrame } from '../../shared/control-api.js'

/** Streams a task's frames until 'end' or 'error', or until `signal` aborts (the client left). */
export type TaskLogStream = (taskId: string, onFrame: (frame: LogStreamFrame) => void, signal: AbortSignal) => Promise<void>

export interface LogSocketInit {
  stream: TaskLogStream
  authorize: UpgradeAuthorizer
  /** A client whose unsent backlog exceeds this is dropped instead of growing memory. Default 8 MiB. */
  maxBufferedBytes?: number
}

const CLOSE_CODE_BY_ERROR: Record<string, number> = { ValidationError: 4400, NotFoundError: 4404 }

const [ROUTE] = compileRoutes({ taskLogStream: TASK_LOG_STREAM_ROUTE })

/** The (undecoded-if-malformed) `:id` when `pathname` is the log stream path, else undefined. */
export function taskLogsPathId (pathname: string): string | undefined {
  // Raw segments: a malformed id must still reach the socket, which answers it with an error frame.
  const id = matchPath(ROUTE!, pathname.split('/').filter(s => s !== ''))?.id
  return id === undefined ? undefined : decodeSegment(id)
}

export class LogSocket {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INBOUND_PAYLOAD })
  private readonly maxBuffered: number

  constructor (private readonly init: LogSocketInit) {
    this.maxBuffered = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED
  }

  /** Handles an HTTP upgrade already routed to the log stream path of task `id` (not yet validated). */
  handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, id: string): void {
    socket.on('error', () => {})
    const verdict = this.init.authorize(req, url)
    if (!verdict.ok) {
      refuseUpgrade(socket, verdict.status, verdict.message)
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => { this.serve(ws, id) })
  }

  private serve (ws: WebSocket, id: string): void {
    const client = new AbortController()
    ws.on('close', () => { client.abort() })
    ws.on('error', () => { client.abort() })
    // The stream is one-way; anything a client sends is ignored.
    ws.on('message', () => {})
    let queue: LogStreamFrame[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = (): void => {
      clearTimeout(timer)
      timer = undefined
      while (queue.length > 0 && ws.readyState === ws.OPEN) {
        const batch = queue.splice(0, MAX_BATCH)
        if (ws.bufferedAmount > this.maxBuffered) {
          ws.close(1008, `client too slow: over ${this.maxBuffered} bytes of log unsent`)
          client.abort()
          break
        }
        ws.send(JSON.stringify(batch.length === 1 ? batch[0] : batch))
      }
      queue = []
    }
    let last: LogStreamFrame | undefined
    const onFrame = (frame: LogStreamFrame): void => {
      if (client.signal.aborted) return
      last = frame
      queue.push(frame)
      if (queue.length >= MAX_BATCH) flush()
      else timer ??= setTimeout(flush, FLUSH_MS)
    }
    const done = (): void => {
      flush()
      if (ws.readyState !== ws.OPEN) return
      if (last?.type === 'end') ws.close(1000, 'task ended')
      else if (last?.type === 'error') ws.close(CLOSE_CODE_BY_ERROR[last.name] ?? 1011, last.name)
      else ws.close(1001, 'peer stopping')
    }
    const parsed = taskIdParamSchema.safeParse({ id })
    if (!parsed.success) {
      onFrame({ type: 'error', name: 'ValidationError', message: `id: ${parsed.error.issues[0]?.message ?? 'invalid task id'}`, field: 'id' })
      done()
      return
    }
    this.init.stream(parsed.data.id, onFrame, client.signal).then(done, (err: unknown) => {
      console.error('mcloud api: log stream failed:', err)
      onFrame({ type: 'error', name: 'InternalError', message: 'internal error' })
      done()
    })
  }

  /** Closes every client (1001 going away) and the server; safe to call twice. */
  async close (): Promise<void> {
    await closeSocketServer(this.wss)
  }
}

function decodeSegment (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
