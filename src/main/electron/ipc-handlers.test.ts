import { afterEach, describe, expect, it, vi } from 'vitest'
import { API_METHODS } from '../../shared/index.js'
import { createFakeApi } from '../api/fake-api.test-helper.js'
import { handleCall } from './ipc-handlers.js'

afterEach(() => { vi.restoreAllMocks() })

describe('handleCall', () => {
  it('names the bad field of a job, and submits nothing', async () => {
    const api = createFakeApi()
    const submit = vi.spyOn(api, 'submitTask')
    const cases: Array<[unknown, string]> = [
      [{ image: 'busybox', command: ['true'], cpu: 0 }, 'cpu'],
      [{ image: '', command: ['true'] }, 'image'],
      [{ image: 'busybox', command: ['true'], colour: 'red' }, 'colour'],
      [null, 'request'],
      ['busybox', 'request']
    ]
    for (const [request, field] of cases) {
      const result = await handleCall(api, 'submitTask', [request])
      expect(result, JSON.stringify(request)).toMatchObject({ ok: false, error: { name: 'ValidationError', field } })
      if (!result.ok) expect(result.error.message.startsWith(`${field}: `)).toBe(true)
    }
    expect(submit).not.toHaveBeenCalled()
  })

  it('names the task id and the sharing field', async () => {
    const api = createFakeApi()
    expect(await handleCall(api, 'getTask', ['../etc'])).toMatchObject({ ok: false, error: { name: 'ValidationError', field: 'taskId' } })
    expect(await handleCall(api, 'cancelTask', [42])).toMatchObject({ ok: false, error: { field: 'taskId' } })
    expect(await handleCall(api, 'updateSharing', [{ mode: 'sometimes' }])).toMatchObject({ ok: false, error: { field: 'mode' } })
    expect(await handleCall(api, 'updateConfig', [{ dockerHost: 'nowhere' }])).toMatchObject({ ok: false, error: { field: 'dockerHost' } })
    expect(await handleCall(api, 'importOrgKey', [{ key: ' ' }])).toMatchObject({ ok: false, error: { field: 'key' } })
  })

  it('downloads outputs: names a bad task id or folder before asking the peer, passes a good one on', async () => {
    const api = createFakeApi()
    const download = vi.spyOn(api, 'downloadOutputs')
    const id = 'b'.repeat(64)
    expect(await handleCall(api, 'downloadOutputs', ['../etc', { dir: '/x' }])).toMatchObject({ ok: false, error: { name: 'ValidationError', field: 'taskId' } })
    for (const [request, field] of [[{ dir: '' }, 'dir'], [{ dir: 7 }, 'dir'], [{ dir: '/x', mode: 1 }, 'mode'], ['/x', 'request']] as const) {
      const result = await handleCall(api, 'downloadOutputs', [id, request])
      expect(result, JSON.stringify(request)).toMatchObject({ ok: false, error: { name: 'ValidationError', field } })
      if (!result.ok) expect(result.error.message.startsWith(`${field}: `)).toBe(true)
    }
    expect(download).not.toHaveBeenCalled()
    // No request at all is the peer's default folder; the fake knows no such task.
    expect(await handleCall(api, 'downloadOutputs', [id])).toMatchObject({ ok: false, error: { name: 'NotFoundError' } })
    expect(download).toHaveBeenLastCalledWith(id, {})
    await handleCall(api, 'downloadOutputs', [id, { dir: '/home/me/out' }])
    expect(download).toHaveBeenLastCalledWith(id, { dir: '/home/me/out' })
  })

  it('passes valid arguments on with the shared defaults filled in', async () => {
    const api = createFakeApi()
    const submit = vi.spyOn(api, 'submitTask')
    const result = await handleCall(api, 'submitTask', [{ image: ' busybox ', command: ['echo', 'hi'] }])
    expect(result.ok).toBe(true)
    expect(submit.mock.calls[0]?.[0]).toMatchObject({ image: 'busybox', cpu: 1, memoryMb: 256 })
  })

  it('keeps an API error\'s name and message, and hides an internal one', async () => {
    const api = createFakeApi()
    expect(await handleCall(api, 'getTask', ['a'.repeat(64)])).toMatchObject({ ok: false, error: { name: 'NotFoundError', message: `no task ${'a'.repeat(64)}` } })
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    api.failNext.method = 'status'
    api.failNext.error = new Error('EACCES /secret/path')
    expect(await handleCall(api, 'status', [])).toEqual({ ok: false, error: { name: 'InternalError', message: 'internal error' } })
    expect(log).toHaveBeenCalled()
  })

  it('answers every method of the contract', async () => {
    const api = createFakeApi()
    const noArgs = API_METHODS.filter(m => !['getTask', 'submitTask', 'cancelTask', 'taskLogs', 'whyTask', 'handBackTask', 'downloadOutputs', 'updateSharing', 'updateConfig', 'importOrgKey'].includes(m))
    for (const method of noArgs) expect((await handleCall(api, method, [])).ok, method).toBe(true)
  })

  it('waits for a peer that is still starting', async () => {
    let ready!: (api: ReturnType<typeof createFakeApi>) => void
    const starting = new Promise<ReturnType<typeof createFakeApi>>(resolve => { ready = resolve })
    const call = handleCall(starting, 'sharing', [])
    ready(createFakeApi())
    expect((await call).ok).toBe(true)
  })
})
