import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../shared/api.js'
import { createApiClient, readApiInfo } from './client.js'
import { ApiClientError, PeerNotRunningError } from './errors.js'
import { createFakeApi, FAKE_OUTPUT_BYTES, FAKE_PEER_ID, fakeCid, type FakeApi } from './fake-api.test-helper.js'
import { startApiServer, type ApiServer } from './server.js'

let dataDir: string
let api: FakeApi
let server: ApiServer

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-client-'))
  api = createFakeApi()
  server = await startApiServer(api, { dataDir })
})

afterEach(async () => {
  await server.close()
  await rm(dataDir, { recursive: true, force: true })
})

describe('createApiClient', () => {
  it('serves the same contract as the implementation', async () => {
    const info = await readApiInfo(dataDir)
    expect(info.url).toBe(server.url)
    const client = createApiClient(info)
    expect((await client.status()).peerId).toBe(FAKE_PEER_ID)
    const { taskId } = await client.submitTask({ image: 'busybox', command: ['true'] })
    expect((await client.getTask(taskId)).status).toBe('queued')
    expect((await client.listTasks()).map((t) => t.taskId)).toEqual([taskId])
    expect(await client.cancelTask(taskId)).toEqual({ taskId, status: 'cancelled' })
    expect((await client.taskLogs(taskId)).lines[0]?.line).toBe('hello')
    expect(await client.peers()).toEqual([])
  })

  it('downloads outputs without the per-request deadline, and can be abandoned', async () => {
    // The fake takes ~60 ms: longer than this client's deadline for every other call.
    const client = createApiClient({ url: server.url, token: server.token, timeoutMs: 20 })
    const { taskId } = await createApiClient({ url: server.url, token: server.token }).submitTask({ image: 'busybox', command: ['true'] })
    api.tasks.set(taskId, { ...api.tasks.get(taskId)!, status: 'succeeded', resultCid: fakeCid('r') })
    expect(await client.downloadOutputs(taskId, { dir: '/out' })).toEqual({ taskId, cid: fakeCid('r'), dir: '/out', bytes: FAKE_OUTPUT_BYTES })
    await expect(client.downloadOutputs(taskId, {}, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(client.downloadOutputs(taskId, { dir: '' })).rejects.toMatchObject({ name: 'ValidationError', field: 'dir' })
  })

  it('rethrows server errors with their name and field', async () => {
    const client = createApiClient({ url: server.url, token: server.token })
    const err = await client.submitTask({ image: '', command: ['x'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiClientError)
    expect(err).toMatchObject({ name: 'ValidationError', field: 'image', status: 400 })
    await expect(client.getTask('f'.repeat(64))).rejects.toMatchObject({ name: 'NotFoundError' })
    const bad = createApiClient({ url: server.url, token: 'nope' })
    await expect(bad.status()).rejects.toMatchObject({ name: 'UnauthorizedError' })
    await expect(bad.openEvents(() => {})).rejects.toMatchObject({ name: 'UnauthorizedError' })
  })

  it('streams events, and reports the end of the stream', async () => {
    const client = createApiClient({ url: server.url, token: server.token })
    const events: ApiEvent[] = []
    let closed: Error | undefined
    const unsubscribe = await client.openEvents((e) => events.push(e), { onClose: (err) => { closed = err } })
    api.emit({ type: 'peer:connect', peerId: FAKE_PEER_ID })
    await expect.poll(() => events.length).toBe(1)
    unsubscribe()
    await expect.poll(() => api.listenerCount()).toBe(0)
    expect(closed).toBeUndefined()

    await client.openEvents(() => {}, { onClose: (err) => { closed = err } })
    await server.close()
    await expect.poll(() => closed).toBeInstanceOf(Error)
  })

  it('subscribe() follows the contract (sync unsubscribe)', async () => {
    const client = createApiClient({ url: server.url, token: server.token })
    const events: ApiEvent[] = []
    const unsubscribe = client.subscribe((e) => events.push(e))
    await expect.poll(() => api.listenerCount()).toBe(1)
    api.emit({ type: 'peer:disconnect', peerId: FAKE_PEER_ID })
    await expect.poll(() => events.length).toBe(1)
    unsubscribe()
    await expect.poll(() => api.listenerCount()).toBe(0)
  })
})

describe('readApiInfo', () => {
  it('says no peer is running when api.json is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mcloud-empty-'))
    const err = await readApiInfo(empty).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerNotRunningError)
    expect((err as Error).message).toBe(`no peer is running with data dir ${empty} (start one with: mcloud agent --data-dir ${empty})`)
    await rm(empty, { recursive: true })
  })

  it('says no peer is running when the API does not answer', async () => {
    const { port, url } = server
    await server.close()
    // A crashed peer leaves api.json behind; pid is ours (alive), port is closed.
    await writeFile(join(dataDir, 'api.json'), JSON.stringify({ url, port, pid: process.pid, peerId: FAKE_PEER_ID }))
    await expect(readApiInfo(dataDir)).rejects.toThrow(/no peer is running .*did not answer/)
    await writeFile(join(dataDir, 'api.json'), JSON.stringify({ url, port, pid: 2 ** 22 + 7, peerId: FAKE_PEER_ID }))
    await expect(readApiInfo(dataDir)).rejects.toThrow(/stale api\.json/)
  })
})
