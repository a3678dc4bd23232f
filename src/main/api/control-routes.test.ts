// The control routes over real HTTP with a fake ControlApi: the token guards every one, a peer
// that is not a control peer says so, an opening database is a 503, bad queries name their field,
// and /metrics is valid Prometheus text.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiClientError } from './errors.js'
import { createApiClient } from './client.js'
import { createFakeApi } from './fake-api.test-helper.js'
import { fakeControl, JOB, NODES, SUMMARY, TASK } from './fake-control.test-helper.js'
import { startApiServer, type ApiServer } from './server.js'

let dataDir: string
let server: ApiServer
let control: ReturnType<typeof fakeControl> | undefined
let opening = false

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-control-api-'))
  control = fakeControl()
  opening = false
  server = await startApiServer(createFakeApi(), { dataDir, port: 0, uiDir: null, control: () => opening ? undefined : control })
})

afterEach(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

const call = async (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
  const headers = new Headers(init.headers)
  const token = init.token === undefined ? server.token : init.token
  if (token !== null) headers.set('Authorization', `Bearer ${token}`)
  return await fetch(server.url + path, { ...init, headers })
}

const ROUTES = ['/metrics', '/api/control/summary', '/api/control/jobs', `/api/control/jobs/${TASK}`, '/api/control/nodes']

describe('access', () => {
  it('every control route wants the bearer token', async () => {
    for (const path of ROUTES) {
      for (const token of [null, 'wrong']) {
        const res = await call(path, { token })
        expect(res.status, path).toBe(401)
        expect(await res.json()).toEqual({ error: { name: 'UnauthorizedError', message: 'missing or invalid API token' } })
      }
    }
  })

  it('a peer that is not a control peer answers 404 saying so', async () => {
    await server.close()
    server = await startApiServer(createFakeApi(), { dataDir, port: 0, uiDir: null })
    for (const path of ROUTES) {
      const res = await call(path)
      expect(res.status, path).toBe(404)
      expect(await res.json()).toEqual({ error: { name: 'NotFoundError', message: 'this peer is not a control peer (run mcloud control)' } })
    }
    // its own routes are unaffected
    expect((await call('/api/status')).status).toBe(200)
  })

  it('answers 503 while the control database is still opening, then serves', async () => {
    opening = true
    const res = await call('/api/control/summary')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('2')
    expect((await res.json() as { error: { message: string } }).error.message).toContain('the control database is still opening')
    opening = false
    expect(await (await call('/api/control/summary')).json()).toEqual(SUMMARY)
  })

  it('other methods get 405 with Allow: GET; unknown control paths 404', async () => {
    const res = await call('/metrics', { method: 'POST' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET')
    expect((await call('/api/control/everything')).status).toBe(404)
  })
})

describe('queries', () => {
  const error = async (path: string): Promise<{ status: number, error: { name: string, message: string, field?: string } }> => {
    const res = await call(path)
    return { status: res.status, ...await res.json() as { error: { name: string, message: string, field?: string } } }
  }

  it('passes status and limit on to the jobs query', async () => {
    const res = await call('/api/control/jobs?status=running&limit=5')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual([JOB])
    expect(control!.queries).toEqual([{ status: 'running', limit: 5 }])
  })

  it('a bad limit or status is a 400 ValidationError naming it', async () => {
    for (const limit of ['0', '1001', 'ten', '2.5', '-1', '']) {
      const r = await error(`/api/control/jobs?limit=${limit}`)
      expect(r.status, limit).toBe(400)
      expect(r.error).toEqual({ name: 'ValidationError', message: 'limit: must be a whole number from 1 to 1000', field: 'limit' })
    }
    const r = await error('/api/control/jobs?status=exploded')
    expect(r).toMatchObject({ status: 400, error: { name: 'ValidationError', field: 'status' } })
    expect(r.error.message).toBe('status: must be one of queued, leased, running, succeeded, failed, cancelled')
    expect(await error('/api/control/jobs?order=asc')).toMatchObject({ status: 400, error: { field: 'order' } })
    expect(await error('/api/control/jobs?limit=1&limit=2')).toMatchObject({ status: 400, error: { field: 'limit' } })
    expect(await error('/api/control/summary?x=1')).toMatchObject({ status: 400, error: { field: 'x' } })
    expect(control!.queries).toEqual([])
  })

  it("the store's InvalidQueryError reaches the client as a 400 naming the field, not a 500", async () => {
    expect(await error('/api/control/jobs?limit=999')).toEqual({
      status: 400, error: { name: 'ValidationError', message: 'limit: must be a whole number from 1 to 500', field: 'limit' }
    })
  })

  it('a job: unknown id is a 404, a malformed one a 400 naming id', async () => {
    expect((await call(`/api/control/jobs/${TASK}`)).status).toBe(200)
    expect(await error(`/api/control/jobs/${'b'.repeat(64)}`)).toMatchObject({ status: 404, error: { name: 'NotFoundError' } })
    expect(await error('/api/control/jobs/not-a-task')).toMatchObject({ status: 400, error: { name: 'ValidationError', field: 'id' } })
  })
})

// One sample line: name, optional {label="value",…} with escaped values, a float (or NaN/±Inf).
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
const SAMPLE = new RegExp(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{${LABEL}(,${LABEL})*\\})? (NaN|[+-]Inf|-?\\d+(\\.\\d+)?(e[+-]?\\d+)?)$`)

describe('/metrics', () => {
  it('is Prometheus text 0.0.4: HELP and TYPE before each family, every sample line well formed', async () => {
    const res = await call('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text.endsWith('\n')).toBe(true)
    const typed = new Map<string, string>()
    for (const line of text.slice(0, -1).split('\n')) {
      const type = /^# TYPE (\S+) (gauge|counter|summary)$/.exec(line)
      if (type !== null) { typed.set(type[1]!, type[2]!); continue }
      if (line.startsWith('# HELP ')) continue
      const m = SAMPLE.exec(line)
      expect(m, line).not.toBeNull()
      const family = m![1]!.replace(/_(sum|count)$/, '')
      expect(typed.has(m![1]!) || typed.get(family) === 'summary', line).toBe(true)
    }
    expect(typed.get('mcloud_control_db_dropped_total')).toBe('counter')
    expect(typed.get('mcloud_control_recovery_seconds')).toBe('summary')
    expect(text).toContain('mcloud_control_task_success_ratio 1\n')
    expect(text).toContain('mcloud_control_tasks{status="succeeded"} 2\n')
    expect(text).toContain('mcloud_control_tasks{status="failed"} 0\n')
    expect(text).toContain('mcloud_control_nodes{state="alive"} 1\n')
    expect(text).toContain('mcloud_control_recovery_seconds{quantile="0.95"} 3.5\n')
    expect(text).toContain('mcloud_control_recovery_seconds_count 1\n')
    expect(text).toContain('mcloud_control_db_written_total 42\n')
    // Label values are escaped; a node that went away keeps only its liveness line.
    expect(text).toContain('mcloud_node_idle_cpu_percent{peer="12D3KooWdesk \\"A\\" \\\\ 1\\nsecond line",name="desk \\"A\\" \\\\ 1\\nsecond line"} 75\n')
    expect(text).toContain('mcloud_node_alive{peer="12D3KooWgone",name="gone"} 0\n')
    expect(text).not.toContain('mcloud_node_lendable_cpu{peer="12D3KooWgone"')
  })
})

describe('the API client', () => {
  it('reads every control route, and tells a non-control peer and an opening database apart', async () => {
    const client = createApiClient({ url: server.url, token: server.token })
    expect(await client.controlSummary()).toEqual(SUMMARY)
    expect(await client.controlJobs({ status: 'failed', limit: 3 })).toHaveLength(1)
    expect(control!.queries).toEqual([{ status: 'failed', limit: 3 }])
    expect((await client.controlJob(TASK)).job.id).toBe(TASK)
    expect(await client.controlNodes()).toEqual(NODES)
    expect(await client.metrics()).toContain('# TYPE mcloud_control_tasks gauge\n')
    opening = true
    await expect(client.controlSummary()).rejects.toMatchObject({ status: 503 })
    await server.close()
    server = await startApiServer(createFakeApi(), { dataDir, port: 0, uiDir: null })
    const err = await createApiClient({ url: server.url, token: server.token }).metrics().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiClientError)
    expect(err).toMatchObject({ name: 'NotFoundError', status: 404, message: 'this peer is not a control peer (run mcloud control)' })
  })
})
