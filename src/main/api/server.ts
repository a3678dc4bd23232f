// The local API server: node:http + ws on one port, bearer-token auth, closed CORS.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MCloudApi } from '../../shared/api.js'
import type { ControlApi } from '../../shared/control-api.js'
import { bearerToken, loadOrCreateToken, removeApiInfo, tokenMatches, writeApiInfo } from './auth.js'
import { isControlPath, runControlRoute } from './control-routes.js'
import { errorBody, HttpError, toErrorResponse } from './errors.js'
import { EventsSocket } from './events-socket.js'
import { LogSocket, taskLogsPathId, type TaskLogStream } from './log-socket.js'
import { isEventsPath, matchRoute, ROUTES_WITH_BODY, ROUTES_WITH_OPTIONAL_BODY, runRoute } from './routes.js'
import { DEFAULT_UI_DIR, isUiRequest, serveUi } from './ui-files.js'

export interface ApiServerOptions {
  /** Holds api-token and api.json. */
  dataDir: string
  /** TCP port; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind; default 127.0.0.1 (the API is for this machine only). */
  host?: string
  /** Written into api.json; default: asked from `api.status()` once listening. */
  peerId?: string
  /** Aborting closes the server. */
  signal?: AbortSignal
  /** Folder of the built UI served at `/?token=…` (web mode). Default dist/ui; null serves no UI. */
  uiDir?: string | null
  /** Serves WS /api/tasks/:id/logs (the live log relay). Default: none (that path answers only the plain GET). */
  taskLogStream?: TaskLogStream
  /** Set on a control peer: its read API (undefined while its database opens). Default: not a control peer. */
  control?: () => ControlApi | undefined
}

export interface ApiServer {
  url: string
  port: number
  token: string
  close: () => Promise<void>
}

export const MAX_BODY_BYTES = 64 * 1024
const DEFAULT_HOST = '127.0.0.1'
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

export async function startApiServer (api: MCloudApi, opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? DEFAULT_HOST
  const token = await loadOrCreateToken(opts.dataDir)
  let port = 0
  let allowedOrigins = new Set<string>()

  // Browsers send Origin on cross-site requests; only the API's own page may talk to it.
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin
    return origin === undefined || allowedOrigins.has(origin)
  }

  // WebSocket upgrades: the bearer header, or ?token= (browsers cannot set headers on a WebSocket).
  const authorize = (req: IncomingMessage, url: URL): { ok: true } | { ok: false, status: number, message: string } => {
    if (!originAllowed(req)) return { ok: false, status: 403, message: 'cross-origin requests are not allowed' }
    const presented = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined
    if (!tokenMatches(presented, token)) return { ok: false, status: 401, message: 'missing or invalid API token' }
    return { ok: true }
  }
  const events = new EventsSocket({ api, authorize })
  const logSockets = opts.taskLogStream === undefined ? undefined : new LogSocket({ stream: opts.taskLogStream, authorize })

  const server = createServer((req, res) => {
    const uiDir = opts.uiDir === undefined ? DEFAULT_UI_DIR : opts.uiDir
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname
    const answer = uiDir !== null && isUiRequest(req.method, pathname)
      ? serveUi(req, res, new URL(req.url ?? '/', 'http://localhost'), token, uiDir)
      : handleRequest(api, req, res, token, originAllowed, opts.control)
    answer.catch((err: unknown) => {
      console.error('mcloud api: failed to answer a request:', err)
      if (!res.headersSent) sendJson(res, 500, errorBody('InternalError', 'internal error'))
      else res.destroy()
    })
  })
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  server.on('upgrade', (req, socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const logTaskId = taskLogsPathId(url.pathname)
    if (logSockets !== undefined && logTaskId !== undefined) {
      logSockets.handleUpgrade(req, socket, head, url, logTaskId)
      return
    }
    if (!isEventsPath(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    events.handleUpgrade(req, socket, head, url)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new Error(`API port ${opts.port ?? 0} on ${host} is already in use (pick another, or 0 for a free one)`, { cause: err })
        : err)
    })
    server.listen(opts.port ?? 0, host, () => {
      server.removeAllListeners('error')
      resolve()
    })
  })
  server.on('error', (err) => { console.error('mcloud api: server error:', err) })

  port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${port}`
  allowedOrigins = new Set([url])
  if (LOOPBACK_HOSTS.has(urlHost)) {
    for (const h of ['127.0.0.1', 'localhost', '[::1]']) allowedOrigins.add(`http://${h}:${port}`)
  }

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([events.close(), logSockets?.close()])
      await new Promise<void>((resolve) => {
        server.close(() => { resolve() })
        server.closeAllConnections()
      })
      await removeApiInfo(opts.dataDir, port)
    })()
    return closing
  }

  try {
    const peerId = opts.peerId ?? (await api.status()).peerId
    await writeApiInfo(opts.dataDir, { url, port, pid: process.pid, peerId })
  } catch (err) {
    await close()
    throw err
  }

  if (opts.signal !== undefined) {
    if (opts.signal.aborted) await close()
    else opts.signal.addEventListener('abort', () => { void close() }, { once: true })
  }
  return { url, port, token, close }
}

async function handleRequest (
  api: MCloudApi, req: IncomingMessage, res: ServerResponse, token: string,
  originAllowed: (req: IncomingMessage) => boolean, control?: () => ControlApi | undefined
): Promise<void> {
  try {
    if (!originAllowed(req)) throw new HttpError(403, 'UnauthorizedError', 'cross-origin requests are not allowed')
    if (!tokenMatches(bearerToken(req.headers.authorization), token)) {
      throw new HttpError(401, 'UnauthorizedError', 'missing or invalid API token', undefined, { 'WWW-Authenticate': 'Bearer' })
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (isControlPath(url.pathname)) {
      const reply = await runControlRoute(control, req.method ?? 'GET', url)
      if (reply.kind === 'json') sendJson(res, reply.status, reply.body)
      else sendText(res, reply.status, reply.text, reply.contentType)
      return
    }
    const match = matchRoute(req.method ?? 'GET', url.pathname)
    if (match.kind === 'ws') throw new HttpError(426, 'ValidationError', 'events: connect with a WebSocket', undefined, { Upgrade: 'websocket' })
    const body = ROUTES_WITH_BODY.has(match.name) ? await readJsonBody(req, ROUTES_WITH_OPTIONAL_BODY.has(match.name)) : undefined
    const result = await runRoute(api, match.name, { params: match.params, body })
    sendJson(res, result.status, result.body)
  } catch (err) {
    const { status, body, headers } = toErrorResponse(err)
    // A request whose body we did not read fully must not leave bytes for a next request.
    if (!req.complete) headers.Connection = 'close'
    sendJson(res, status, body, headers)
  } finally {
    if (!req.complete) req.resume()
  }
}

/** The parsed JSON body; an empty one is an error unless `optional` (then undefined). */
function readJsonBody (req: IncomingMessage, optional = false): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      reject(tooLarge())
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData)
        req.off('end', onEnd)
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') {
        if (optional) {
          resolve(undefined)
          return
        }
        reject(new HttpError(400, 'ValidationError', 'body: a JSON object is required', 'body'))
        return
      }
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new HttpError(400, 'ValidationError', 'body: invalid JSON', 'body'))
      }
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}

const tooLarge = (): HttpError =>
  new HttpError(413, 'ValidationError', `body: larger than ${MAX_BODY_BYTES} bytes`, 'body')

function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers)
}

function sendText (res: ServerResponse, status: number, text: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(text)
}
