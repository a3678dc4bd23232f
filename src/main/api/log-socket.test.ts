import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { LogStreamFrame } from '../../shared/control-api.js'
import { createApiClient } from './client.js'
import { ApiClientError } from './errors.js'
import { createFakeApi, type FakeApi } from './fake-api.test-helper.js'
import type { TaskLogStream } from './log-socket.js'
import { startApiServer, type ApiServer } from './server.js'

const TASK = 'c'.repeat(64)
const line = (text: string): LogStreamFrame => ({ type: 'line', line: { taskId: TASK, epoch: 1, stream: 'stdout', line: text, at: 1 } })

let dataDir: string
let api: FakeApi
let server: ApiServer
/** What the fake relay does for the next client; a client gone shows as its aborted signal. */
let relay: TaskLogStream
const signals: AbortSignal[] = []

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-logws-'))
  api = createFakeApi()
  signals.length = 0
  server = await startApiServer(api, {
    dataDir, uiDir: null,
    taskLogStream: async (taskId, onFrame, signal) => { signals.push(signal); await relay(taskId, onFrame, signal) }
  })
})
afterEach(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const wsUrl = (id: string): string => `${server.url.replace('http', 'ws')}/api/tasks/${id}/logs`

/** Every frame the server sends (arrays unpacked), and how it closed. */
function collect (ws: WebSocket): Promise<{ frames: LogStreamFrame[], code: number, reason: string }> {
  const frames: LogStreamFrame[] = []
  ws.on('message', data => {
    const decoded = JSON.parse(data.toString()) as LogStreamFrame | LogStreamFrame[]
    frames.push(...(Array.isArray(decoded) ? decoded : [decoded]))
  })
  return new Promise(resolve => { ws.on('close', (code, reason) => { resolve({ frames, code, reason: reason.toString() }) }) })
}

const refusedStatus = (ws: WebSocket): Promise<number> => new Promise((resolve, reject) => {
  ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0) })
  ws.on('open', () => { reject(new Error('opened')) })
  ws.on('error', () => {})
})

describe('WS /api/tasks/:id/logs', () => {
  it('refuses the upgrade without the token (401) or from another origin (403)', async () => {
    relay = async () => {}
    expect(await refusedStatus(new WebSocket(wsUrl(TASK)))).toBe(401)
    expect(await refusedStatus(new WebSocket(`${wsUrl(TASK)}?token=wrong`))).toBe(401)
    expect(await refusedStatus(new WebSocket(wsUrl(TASK), { headers: { Authorization: `Bearer ${server.token}` }, origin: 'http://evil.example' }))).toBe(403)
    expect(signals).toHaveLength(0)
  })

  it('streams the frames, then closes with 1000 after end; the plain GET still answers JSON', async () => {
    relay = async (_id, onFrame) => {
      onFrame({ type: 'holder', holder: 'peer-a', epoch: 1, status: 'running' })
      onFrame(line('one'))
      await delay(50)
      onFrame(line('two'))
      onFrame({ type: 'end', status: 'succeeded', exitCode: 0, error: null })
    }
    const got = await collect(new WebSocket(`${wsUrl(TASK)}?token=${server.token}`))
    expect(got.frames.map(f => f.type)).toEqual(['holder', 'line', 'line', 'end'])
    expect(got.code).toBe(1000)
    const { taskId } = await api.submitTask({ image: 'busybox', command: ['true'] })
    const plain = await fetch(`${server.url}/api/tasks/${taskId}/logs`, { headers: { Authorization: `Bearer ${server.token}` } })
    expect(plain.status).toBe(200)
    expect(await plain.json()).toMatchObject({ taskId, lines: [{ line: 'hello' }] })
  })

  it('a bad task id: a ValidationError frame naming the id, then 4400; an unknown task: NotFoundError, then 4404', async () => {
    relay = async (id, onFrame) => { onFrame({ type: 'error', name: 'NotFoundError', message: `no task ${id}` }) }
    const bad = await collect(new WebSocket(wsUrl('nope'), { headers: { Authorization: `Bearer ${server.token}` } }))
    expect(bad.frames).toEqual([{ type: 'error', name: 'ValidationError', message: 'id: must be a 64-character hex task id', field: 'id' }])
    expect(bad.code).toBe(4400)
    // The relay is never asked about a malformed id.
    expect(signals).toHaveLength(0)
    const unknown = await collect(new WebSocket(wsUrl(TASK), { headers: { Authorization: `Bearer ${server.token}` } }))
    expect(unknown.frames).toEqual([{ type: 'error', name: 'NotFoundError', message: `no task ${TASK}` }])
    expect(unknown.code).toBe(4404)
  })

  it('drops a client that does not read, with a reason, instead of buffering its log without bound', async () => {
    let sent = 0
    relay = async (_id, onFrame, signal) => {
      const big = 'x'.repeat(10_000)
      while (!signal.aborted && sent < 20_000) {
        onFrame(line(big))
        if (++sent % 500 === 0) await delay(1)
      }
    }
    const ws = new WebSocket(wsUrl(TASK), { headers: { Authorization: `Bearer ${server.token}` } })
    await new Promise(resolve => ws.once('open', resolve))
    // Reads nothing: the server's unsent backlog grows until it gives up on this client.
    ws.pause()
    const closed = new Promise<{ code: number, reason: string }>(resolve => { ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }) }) })
    await expect.poll(() => signals[0]?.aborted, { timeout: 5000 }).toBe(true)
    // 20,000 lines of 10 kB would be 200 MB: it stopped long before.
    expect(sent).toBeLessThan(20_000)
    ws.resume()
    const { code, reason } = await closed
    expect(code).toBe(1008)
    expect(reason).toMatch(/^client too slow/)
  })

  it('client: followTaskLogs hands the frames on, names the error, and tells a peer without a relay by 404', async () => {
    const client = createApiClient({ url: server.url, token: server.token })
    relay = async (_id, onFrame) => {
      onFrame(line('hi'))
      onFrame({ type: 'end', status: 'failed', exitCode: 2, error: null })
    }
    const frames: LogStreamFrame[] = []
    await client.followTaskLogs(TASK, f => { frames.push(f) })
    expect(frames.map(f => f.type)).toEqual(['line', 'end'])

    relay = async (id, onFrame) => { onFrame({ type: 'error', name: 'NotFoundError', message: `no task ${id}` }) }
    const unknown = await client.followTaskLogs(TASK, () => {}).catch((err: unknown) => err)
    expect(unknown).toBeInstanceOf(ApiClientError)
    expect(unknown).toMatchObject({ name: 'NotFoundError', status: 4404 })

    await server.close()
    server = await startApiServer(api, { dataDir, uiDir: null })
    const without = createApiClient({ url: server.url, token: server.token })
    await expect(without.followTaskLogs(TASK, () => {})).rejects.toMatchObject({ name: 'NotFoundError', status: 404 })
  })
})
