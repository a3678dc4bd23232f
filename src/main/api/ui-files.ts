// Web mode: the same UI the desktop window shows, served by the local API to a browser on this
// machine. The page needs the API token (in its URL, from `mcloud ui-url`); the bundled code and
// styles hold no data and are served to anyone who may reach 127.0.0.1.
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tokenMatches } from './auth.js'

/** dist/ui at the repository root, built by `npm run build:ui`. */
export const DEFAULT_UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dist/ui')

const ASSETS: Record<string, string> = {
  '/app.js': 'text/javascript; charset=utf-8',
  '/app.css': 'text/css; charset=utf-8',
  '/app.js.map': 'application/json; charset=utf-8',
  '/app.css.map': 'application/json; charset=utf-8'
}

/** The same policy as the page's meta tag: own scripts and styles only, API calls to this origin only. */
export const UI_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  'Content-Security-Policy': UI_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The page's URL carries the token: never send it on as a referrer.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store'
}

/** Whether this request is for the UI (the page or one of its files) rather than the API. */
export function isUiRequest (method: string | undefined, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (pathname === '/' || pathname === '/index.html' || pathname in ASSETS)
}

export async function serveUi (req: IncomingMessage, res: ServerResponse, url: URL, token: string, uiDir: string): Promise<void> {
  const asset = ASSETS[url.pathname]
  if (asset !== undefined) {
    const body = await readFile(join(uiDir, url.pathname.slice(1))).catch(() => undefined)
    if (body === undefined) return sendPage(res, 404, 'Not found', 'This file of the UI is missing: rebuild it with <code>npm run build:ui</code>.')
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset, 'Content-Length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
    return
  }
  // The URL's token, or (a reload: the page removed it from the address bar) the cookie set on
  // the first visit: HttpOnly and SameSite=Strict, so no script and no other site can use it.
  const fromUrl = url.searchParams.get('token') ?? undefined
  const presented = fromUrl ?? cookieToken(req.headers.cookie)
  if (!tokenMatches(presented, token)) {
    return sendPage(res, 401, 'Access token needed', 'This page needs its access token: run <code>mcloud ui-url</code> and open the URL it prints.')
  }
  if (fromUrl !== undefined) res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`)
  const index = join(uiDir, 'index.html')
  if (!await stat(index).then(s => s.isFile(), () => false)) {
    return sendPage(res, 503, 'UI not built', 'The UI has not been built on this machine: run <code>npm run build:ui</code> (or start with <code>npm run serve</code>, which builds it).')
  }
  const body = await readFile(index)
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length })
  res.end(req.method === 'HEAD' ? undefined : body)
}

const COOKIE = 'mcloud_ui'

function cookieToken (header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === COOKIE) { try { return decodeURIComponent(value.join('=')) } catch { return undefined } }
  }
  return undefined
}

function sendPage (res: ServerResponse, status: number, title: string, html: string): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mutual Cloud — ${title}</title></head>` +
    `<body><h1>${title}</h1><p>${html}</p></body></html>`
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
