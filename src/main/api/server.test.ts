import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { ApiEvent, ApiInfo } from '../../shared/api.js'
import { createFakeApi, FAKE_OUTPUT_BYTES, FAKE_PEER_ID, fakeCid, type FakeApi } from './fake-api.test-helper.js'
import { startApiServer, type ApiServer } from './server.js'

let dataDir: string
let api: FakeApi
let server: ApiServer

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-api-'))
  api = createFakeApi()
  server = await startApiServer(api, { dataDir, port: 0 })
})

afterEach(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
  const headers = new Headers(init.headers)
  const token = init.token === undefined ? server.token : init.token
  if (token !== null) headers.set('Authorization', `Bearer ${token}`)
  return fetch(server.url + path, { ...init, headers })
}

const post = (path: string, body: string): Promise<Response> =>
  call(path, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })

describe('web UI', () => {
  it('serves the page only with the token, with a strict CSP; its code files without', async () => {
    await server.close()
    const uiDir = join(dataDir, 'ui')
    await mkdir(uiDir)
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Mutual Cloud</title>')
    await writeFile(join(uiDir, 'app.js'), 'console.log(1)')
    server = await startApiServer(api, { dataDir, uiDir })
    const page = await fetch(`${server.url}/?token=${server.token}`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>Mutual Cloud</title>')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    // A reload without the token in the URL works with the cookie the first visit set (HttpOnly).
    const cookie = page.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/)
    expect((await fetch(`${server.url}/`, { headers: { Cookie: cookie.split(';')[0]! } })).status).toBe(200)
    expect((await fetch(`${server.url}/`, { headers: { Cookie: 'mcloud_ui=wrong' } })).status).toBe(401)
    for (const url of [`${server.url}/`, `${server.url}/?token=wrong`]) {
      const denied = await fetch(url)
      expect(denied.status).toBe(401)
      expect(await denied.text()).toContain('mcloud ui-url')
    }
    const js = await fetch(`${server.url}/app.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toContain('javascript')
    expect((await fetch(`${server.url}/app.css`)).status).toBe(404)
    // the API itself still wants the bearer token
    expect((await fetch(`${server.url}/api/status`)).status).toBe(401)
  })

  it('says how to build the UI when it is missing', async () => {
    await server.close()
    server = await startApiServer(api, { dataDir, uiDir: join(dataDir, 'no-ui') })
    const res = await fetch(`${server.url}/?token=${server.token}`)
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('npm run build:ui')
  })
})

describe('auth and files', () => {
  it('rejects HTTP requests without or with a wrong token, leaking nothing', async () => {
    for (const token of [null, 'wrong', server.token + 'x']) {
      const res = await call('/api/status', { token })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: { name: 'UnauthorizedError', message: 'missing or invalid API token' } })
    }
    expect((await call('/api/status')).status).toBe(200)
  })

  it('keeps the token in a 0600 file and reuses it on restart', async () => {
    const file = join(dataDir, 'api-token')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readFile(file, 'utf8')).trim()).toBe(server.token)
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await server.close()
    server = await startApiServer(api, { dataDir })
    expect(server.token).toBe((await readFile(file, 'utf8')).trim())
  })

  it('writes api.json (0600) while listening and removes it on close', async () => {
    const file = join(dataDir, 'api.json')
    const info = JSON.parse(await readFile(file, 'utf8')) as ApiInfo
    expect(info).toEqual({ url: server.url, port: server.port, pid: process.pid, peerId: FAKE_PEER_ID })
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    await server.close()
    await expect(stat(file)).rejects.toThrow(/ENOENT/)
    await server.close()
  })

  it('closes when its signal aborts', async () => {
    await server.close()
    const ac = new AbortController()
    server = await startApiServer(api, { dataDir, signal: ac.signal })
    ac.abort()
    await server.close()
    await expect(stat(join(dataDir, 'api.json'))).rejects.toThrow(/ENOENT/)
  })

  it('rejects a foreign Origin and sends no CORS headers', async () => {
    const res = await call('/api/status', { headers: { Origin: 'http://evil.example' } })
    expect(res.status).toBe(403)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect((await call('/api/status', { headers: { Origin: server.url } })).status).toBe(200)
  })

  it('says clearly when the port is taken', async () => {
    await expect(startApiServer(api, { dataDir, port: server.port })).rejects.toThrow(`API port ${server.port} on 127.0.0.1 is already in use`)
  })

  it('replaces a malformed token file', async () => {
    await server.close()
    await writeFile(join(dataDir, 'api-token'), 'short', { mode: 0o644 })
    server = await startApiServer(api, { dataDir })
    expect(server.token).not.toBe('short')
    expect((await stat(join(dataDir, 'api-token'))).mode & 0o777).toBe(0o600)
  })
})

describe('routes', () => {
  it('submits, lists, gets, cancels and reads logs', async () => {
    const created = await post('/api/tasks', JSON.stringify({ image: 'busybox', command: ['echo', 'hi'] }))
    expect(created.status).toBe(201)
    const { taskId } = await created.json() as { taskId: string }
    const list = await (await call('/api/tasks')).json() as Array<{ taskId: string }>
    expect(list.map((t) => t.taskId)).toEqual([taskId])
    expect((await (await call(`/api/tasks/${taskId}`)).json() as { image: string }).image).toBe('busybox')
    expect(await (await post(`/api/tasks/${taskId}/cancel`, '')).json()).toEqual({ taskId, status: 'cancelled' })
    const logs = await (await call(`/api/tasks/${taskId}/logs`)).json() as { lines: unknown[] }
    expect(logs.lines).toHaveLength(1)
    expect((await call('/api/peers')).status).toBe(200)
  })

  it('names the invalid field', async () => {
    const cases: Array<[string, string]> = [
      [JSON.stringify({ image: '', command: ['x'] }), 'image'],
      [JSON.stringify({ image: 'a', command: [] }), 'command'],
      [JSON.stringify({ image: 'a', command: ['x'], memoryMb: 1 }), 'memoryMb'],
      [JSON.stringify({ image: 'a', command: ['x'], env: { '1A': 'b' } }), 'env'],
      [JSON.stringify({ image: 'a', command: ['x'], bogus: 1 }), 'bogus'],
      [JSON.stringify(['not an object']), 'body'],
      ['{not json', 'body'],
      ['', 'body']
    ]
    for (const [body, field] of cases) {
      const res = await post('/api/tasks', body)
      expect(res.status, body).toBe(400)
      const err = (await res.json() as { error: { name: string, field: string, message: string } }).error
      expect(err.name).toBe('ValidationError')
      expect(err.field).toBe(field)
      expect(err.message.startsWith(`${field}: `)).toBe(true)
    }
  })

  it('shows and changes sharing, names a bad setting, stops now, explains placement', async () => {
    expect((await (await call('/api/sharing')).json() as { effective: string }).effective).toBe('on')
    const paused = await post('/api/sharing', JSON.stringify({ mode: 'paused' }))
    expect(paused.status).toBe(200)
    expect((await paused.json() as { effective: string }).effective).toBe('paused')
    const cases: Array<[string, string]> = [
      [JSON.stringify({ mode: 'sometimes' }), 'mode'],
      [JSON.stringify({ maxCpu: -1 }), 'maxCpu'],
      [JSON.stringify({ maxTasks: 1.5 }), 'maxTasks'],
      [JSON.stringify({ snooze: { until: 'later' } }), 'snooze'],
      [JSON.stringify({ idleStartMin: 'soon' }), 'idleStartMin'],
      [JSON.stringify({ bogus: true }), 'bogus']
    ]
    for (const [body, field] of cases) {
      const res = await post('/api/sharing', body)
      expect(res.status, body).toBe(400)
      expect((await res.json() as { error: { field: string } }).error.field, body).toBe(field)
    }
    expect(await (await post('/api/sharing/stop-now', '')).json()).toEqual({ handedBack: [] })
    const { taskId } = await (await post('/api/tasks', JSON.stringify({ image: 'busybox', command: ['true'] }))).json() as { taskId: string }
    const why = await (await call(`/api/tasks/${taskId}/why`)).json() as { summary: string, answers: Array<{ code: string }> }
    expect(why.summary).toContain('paused by the owner')
    expect(why.answers[0]?.code).toBe('paused')
    expect(await (await post(`/api/tasks/${taskId}/hand-back`, '')).json()).toEqual({ taskId, handedBack: false })
    expect((await call('/api/tasks/abc/why')).status).toBe(400)
  })

  it('reads and saves peer settings and the organisation key, naming bad fields', async () => {
    expect((await (await call('/api/config')).json() as { name: string }).name).toBe('fake')
    const saved = await post('/api/config', JSON.stringify({ bootstrap: ['/ip4/10.0.0.5/tcp/4001/p2p/12D3KooWFakePeerFakePeerFakePeerFakePeerFakePeer1'], dockerHost: 'unix:///var/run/docker.sock' }))
    expect(saved.status).toBe(200)
    expect((await saved.json() as { restartRequired: boolean }).restartRequired).toBe(true)
    for (const [body, field] of [
      [JSON.stringify({ bootstrap: ['10.0.0.5:4001'] }), 'bootstrap'],
      [JSON.stringify({ dockerHost: '/var/run/docker.sock' }), 'dockerHost'],
      [JSON.stringify({ name: '' }), 'name'],
      [JSON.stringify({ listen: [] }), 'listen']
    ] as Array<[string, string]>) {
      const res = await post('/api/config', body)
      expect(res.status, body).toBe(400)
      expect((await res.json() as { error: { field: string } }).error.field, body).toBe(field)
    }
    expect((await (await call('/api/org-key')).json() as { fingerprint: string }).fingerprint).toBe('abcd')
    expect((await post('/api/org-key', JSON.stringify({}))).status).toBe(400)
    expect((await (await post('/api/org-key', JSON.stringify({ key: 'k123' }))).json() as { restartRequired: boolean }).restartRequired).toBe(true)
    expect((await post('/api/org-key/generate', '')).status).toBe(200)
  })

  it('validates the task id parameter', async () => {
    const res = await call('/api/tasks/abc')
    expect(res.status).toBe(400)
    expect((await res.json() as { error: { field: string } }).error.field).toBe('id')
  })

  it('answers 404 for unknown routes and tasks, 405 for wrong methods', async () => {
    const unknown = await call('/api/nope')
    expect(unknown.status).toBe(404)
    expect((await unknown.json() as { error: { name: string } }).error.name).toBe('NotFoundError')
    const missing = await call(`/api/tasks/${'a'.repeat(64)}`)
    expect(missing.status).toBe(404)
    expect((await missing.json() as { error: { message: string } }).error.message).toContain('no task')
    const wrong = await call('/api/status', { method: 'DELETE' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET')
  })

  it('downloads a finished task\'s outputs: body optional, bad dir names `dir`, unfinished or missing tasks refused', async () => {
    const { taskId } = await (await post('/api/tasks', JSON.stringify({ image: 'busybox', command: ['true'] }))).json() as { taskId: string }
    const unfinished = await post(`/api/tasks/${taskId}/download`, '')
    expect(unfinished.status).toBe(409)
    api.tasks.set(taskId, { ...api.tasks.get(taskId)!, status: 'succeeded', exitCode: 0, resultCid: fakeCid('out') })
    // No body at all is the peer's default folder, as `curl -X POST` sends it.
    const byDefault = await post(`/api/tasks/${taskId}/download`, '')
    expect(byDefault.status).toBe(200)
    expect(await byDefault.json()).toEqual({ taskId, cid: fakeCid('out'), dir: `/tmp/x/outputs/${taskId}`, bytes: FAKE_OUTPUT_BYTES })
    expect((await (await post(`/api/tasks/${taskId}/download`, JSON.stringify({ dir: '/data/out' }))).json() as { dir: string }).dir).toBe('/data/out')
    for (const [body, field] of [[{ dir: '' }, 'dir'], [{ dir: 42 }, 'dir'], [{ dir: 'x'.repeat(5000) }, 'dir'], [{ folder: '/a' }, 'folder'], [[], 'body']] as const) {
      const res = await post(`/api/tasks/${taskId}/download`, JSON.stringify(body))
      expect(res.status, JSON.stringify(body)).toBe(400)
      const err = (await res.json() as { error: { name: string, field: string, message: string } }).error
      expect(err).toMatchObject({ name: 'ValidationError', field })
      expect(err.message.startsWith(`${field}: `)).toBe(true)
    }
    expect((await post('/api/tasks/abc/download', '')).status).toBe(400)
    expect((await post(`/api/tasks/${'a'.repeat(64)}/download`, '')).status).toBe(404)
    expect((await call(`/api/tasks/${taskId}/download`)).status).toBe(405)
  })

  it('rejects bodies over 64 KiB with 413', async () => {
    const res = await post('/api/tasks', JSON.stringify({ image: 'a', command: ['x'.repeat(70 * 1024)] }))
    expect(res.status).toBe(413)
    expect((await call('/api/status')).status).toBe(200)
  })

  it('rejects a streamed (chunked) body once it passes 64 KiB', async () => {
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/tasks`, {
        method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }
      }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      for (let i = 0; i < 10; i++) req.write('x'.repeat(16 * 1024))
      req.end()
    })
    expect(status).toBe(413)
    expect((await call('/api/status')).status).toBe(200)
  })

  it('maps implementation errors and hides internal ones', async () => {
    api.failNext.method = 'status'
    api.failNext.error = Object.assign(new Error('busy'), { name: 'ConflictError' })
    const conflict = await call('/api/status')
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toEqual({ error: { name: 'ConflictError', message: 'busy' } })

    api.failNext.method = 'status'
    api.failNext.error = new Error('secret /home/alice/.ssh path')
    const original = console.error
    console.error = () => {}
    const internal = await call('/api/status').finally(() => { console.error = original })
    expect(internal.status).toBe(500)
    expect(await internal.json()).toEqual({ error: { name: 'InternalError', message: 'internal error' } })
  })
})

describe('WS /api/events', () => {
  const wsUrl = (): string => `${server.url.replace('http', 'ws')}/api/events`

  const refusedStatus = (ws: WebSocket): Promise<number> => new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0) })
    ws.on('open', () => { reject(new Error('opened')) })
    ws.on('error', () => {})
  })

  it('refuses connections without or with a wrong token', async () => {
    expect(await refusedStatus(new WebSocket(wsUrl()))).toBe(401)
    expect(await refusedStatus(new WebSocket(`${wsUrl()}?token=wrong`))).toBe(401)
    expect(await refusedStatus(new WebSocket(wsUrl(), { headers: { Authorization: 'Bearer wrong' } }))).toBe(401)
    expect(await refusedStatus(new WebSocket(wsUrl(), { headers: { Authorization: `Bearer ${server.token}` }, origin: 'http://evil.example' }))).toBe(403)
    expect(api.listenerCount()).toBe(0)
  })

  it('streams events to authenticated clients (header or ?token=) and unsubscribes on close', async () => {
    const clients = [
      new WebSocket(wsUrl(), { headers: { Authorization: `Bearer ${server.token}` } }),
      new WebSocket(`${wsUrl()}?token=${server.token}`)
    ]
    await Promise.all(clients.map((ws) => new Promise((resolve) => ws.once('open', resolve))))
    const received = clients.map((ws) => new Promise<ApiEvent>((resolve) => {
      ws.once('message', (data) => { resolve(JSON.parse(data.toString()) as ApiEvent) })
    }))
    const event: ApiEvent = { type: 'peer:connect', peerId: FAKE_PEER_ID }
    api.emit(event)
    expect(await Promise.all(received)).toEqual([event, event])
    expect(api.listenerCount()).toBe(2)
    clients[0]!.close()
    await new Promise((resolve) => clients[0]!.once('close', resolve))
    await expect.poll(() => api.listenerCount()).toBe(1)
    const closed = new Promise<number>((resolve) => clients[1]!.once('close', resolve))
    await server.close()
    expect(await closed).toBe(1001)
    expect(api.listenerCount()).toBe(0)
  })

  it('sends a burst of events in few frames, all of them, in order', async () => {
    const ws = new WebSocket(`${wsUrl()}?token=${server.token}`)
    await new Promise((resolve) => ws.once('open', resolve))
    const got: ApiEvent[] = []
    let frames = 0
    ws.on('message', (data) => {
      frames++
      const frame = JSON.parse(data.toString()) as ApiEvent | ApiEvent[]
      got.push(...(Array.isArray(frame) ? frame : [frame]))
    })
    for (let i = 0; i < 2000; i++) api.emit({ type: 'task:log', line: { taskId: 'a'.repeat(64), epoch: 1, stream: 'stdout', line: `line ${i}`, at: i } })
    await expect.poll(() => got.length).toBe(2000)
    expect(got.map((e) => e.type === 'task:log' ? e.line.line : '')).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i}`))
    expect(frames).toBeLessThanOrEqual(10)
    ws.close()
  })

  it('passes transfer:progress events through as the peer emitted them', async () => {
    const ws = new WebSocket(`${wsUrl()}?token=${server.token}`)
    await new Promise((resolve) => ws.once('open', resolve))
    const received = new Promise<ApiEvent>((resolve) => { ws.once('message', (data) => { resolve(JSON.parse(data.toString()) as ApiEvent) }) })
    const event: ApiEvent = { type: 'transfer:progress', taskId: 'a'.repeat(64), direction: 'outputs', bytes: 5, total: null, done: true, error: 'peer gone' }
    api.emit(event)
    expect(await received).toEqual(event)
    ws.close()
  })

  it('answers a plain HTTP GET on the events path without crashing', async () => {
    expect((await call('/api/events')).status).toBe(426)
  })
})
