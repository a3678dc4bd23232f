// WS /api/events: every authenticated client gets the peer's event stream as JSON text frames:
// one ApiEvent per frame, or an array of them when several came within one flush interval (a task
// printing thousands of lines a second must not cost one frame, and one browser task, per line).
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { DEFAULT_MAX_BUFFERED, FLUSH_MS, MAX_BATCH, MAX_INBOUND_PAYLOAD, closeSocketServer, refuseUpgrade, type UpgradeAuthorizer } from './socket-common.js'
import type { ApiEvent, MCloudApi } from '../../shared/api.js'

export interface EventsSocketInit {
  api: MCloudApi
  authorize: UpgradeAuthorizer
  /** A client whose unsent backlog exceeds this is dropped instead of growing memory. Default 8 MiB. */
  maxBufferedBytes?: number
}


export class EventsSocket {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INBOUND_PAYLOAD })
  private readonly init: EventsSocketInit
  private readonly maxBuffered: number

  constructor (init: EventsSocketInit) {
    this.init = init
    this.maxBuffered = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED
    this.wss.on('connection', (ws) => { this.serve(ws) })
  }

  /** Handles an HTTP upgrade already routed to /api/events. */
  handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    socket.on('error', () => {})
    const verdict = this.init.authorize(req, url)
    if (!verdict.ok) {
      refuseUpgrade(socket, verdict.status, verdict.message)
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => { this.wss.emit('connection', ws, req) })
  }

  private serve (ws: WebSocket): void {
    let unsubscribe: (() => void) | undefined
    const stop = (): void => {
      unsubscribe?.()
      unsubscribe = undefined
    }
    ws.on('close', stop)
    ws.on('error', stop)
    // Events are one-way; anything a client sends is ignored.
    ws.on('message', () => {})
    let queue: ApiEvent[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const flush = (): void => {
      timer = undefined
      while (queue.length > 0) {
        const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH)
        queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH)
        this.send(ws, batch.length === 1 ? batch[0]! : batch)
      }
    }
    ws.on('close', () => { clearTimeout(timer); queue = [] })
    try {
      unsubscribe = this.init.api.subscribe((event: ApiEvent) => {
        queue.push(event)
        timer ??= setTimeout(flush, FLUSH_MS)
      })
    } catch (err) {
      console.error('mcloud api: subscribe failed:', err)
      ws.close(1011, 'internal error')
    }
    // The socket may already have closed while subscribing.
    if (ws.readyState !== ws.OPEN) stop()
  }

  private send (ws: WebSocket, event: ApiEvent | ApiEvent[]): void {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > this.maxBuffered) {
      ws.close(1008, 'client too slow')
      return
    }
    ws.send(JSON.stringify(event))
  }

  /** Closes every client (1001 going away) and the server; safe to call twice. */
  async close (): Promise<void> {
    await closeSocketServer(this.wss)
  }
}
