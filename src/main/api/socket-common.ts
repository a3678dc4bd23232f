// What the two WebSocket routes (/api/events, /api/tasks/:id/logs) share: the upgrade check, the
// refusal answer, the limits that keep a fast producer or a slow client from growing memory, and
// the shutdown.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocketServer } from 'ws'

/** Decides whether an upgrade may proceed; returns the HTTP status to refuse it with. */
export type UpgradeAuthorizer = (req: IncomingMessage, url: URL) => { ok: true } | { ok: false, status: number, message: string }

/** A client whose unsent backlog exceeds this is dropped (default of maxBufferedBytes). */
export const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024
/** Messages within this window go out in one frame: a task printing thousands of lines a second must not cost a frame per line. */
export const FLUSH_MS = 20
/** At most this many messages per frame. */
export const MAX_BATCH = 500
/** Clients only listen; a small cap stops anyone from pushing large frames at the peer. */
export const MAX_INBOUND_PAYLOAD = 4096

export function refuseUpgrade (socket: Duplex, status: number, message: string): void {
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'
  const body = JSON.stringify({ error: { name: status === 404 ? 'NotFoundError' : 'UnauthorizedError', message } })
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}

/** Closes every client (1001 going away) and the server; safe to call twice. */
export async function closeSocketServer (wss: WebSocketServer): Promise<void> {
  for (const ws of wss.clients) ws.close(1001, 'peer stopping')
  const closing = new Promise<void>((resolve) => { wss.close(() => { resolve() }) })
  // Give clients a moment to answer the close frame, then cut whoever did not.
  const deadline = setTimeout(() => { for (const ws of wss.clients) ws.terminate() }, 1000)
  await closing
  for (const ws of wss.clients) ws.terminate()
  clearTimeout(deadline)
}
