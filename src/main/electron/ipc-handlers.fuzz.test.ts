// Fuzz (issue 7): the renderer is the least trusted code in the desktop app (it renders strangers'
// task names and logs), so every `mcloud:<method>` argument is judged here. handleCall must never
// throw, never call the peer with an argument it refused, and name the bad field. RUNS per property.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type ApiErrorName, type ApiMethod } from '../../shared/index.js'
import { createFakeApi } from '../api/fake-api.test-helper.js'
import { handleCall } from './ipc-handlers.js'

const RUNS = 10_000
const NAMES: ApiErrorName[] = ['ValidationError', 'NotFoundError', 'UnauthorizedError', 'ConflictError', 'TooManyRequestsError', 'InternalError']
/** The parameter a refused whole argument is named after (see ipc-handlers.ts). */
const PARAM: Partial<Record<ApiMethod, string>> = {
  getTask: 'taskId', cancelTask: 'taskId', taskLogs: 'taskId', whyTask: 'taskId', handBackTask: 'taskId', downloadOutputs: 'taskId',
  submitTask: 'request', importOrgKey: 'request', updateSharing: 'update', updateConfig: 'update'
}

const argArb = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withMap: true, withTypedArray: true, withNullPrototype: true }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }).map(n => 'z'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map(n => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown) },
  // near misses: a valid request with one field replaced by anything
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom('image', 'command', 'cpu', 'env', 'mode', 'maxTasks', 'key', 'name', 'dockerHost', 'dir', 'other'), fc.jsonValue({ maxDepth: 2 }))
      .map(([field, v]) => ({ image: 'busybox', command: ['true'], [field]: v }))
  }
)

let errors: ReturnType<typeof vi.spyOn>
beforeAll(() => { errors = vi.spyOn(console, 'error').mockImplementation(() => {}) })
afterAll(() => { errors.mockRestore() })

describe('fuzz: handleCall', () => {
  it(`answers every method with an IpcResult on random arguments, naming the refused field (${RUNS} runs)`, async () => {
    const api = createFakeApi()
    const calls: string[] = []
    for (const m of API_METHODS) {
      const original = api[m] as (...a: unknown[]) => Promise<unknown>
      ;(api as unknown as Record<string, unknown>)[m] = async (...a: unknown[]) => { calls.push(m); return await original(...a) }
    }
    await fc.assert(fc.asyncProperty(fc.constantFrom(...API_METHODS), fc.array(argArb, { maxLength: 3 }), async (method, args) => {
      calls.length = 0
      const result = await handleCall(api, method, args)
      expect(typeof result.ok).toBe('boolean')
      if (result.ok) return
      expect(NAMES).toContain(result.error.name)
      // random arguments are the caller's fault, never an internal error of the peer
      expect(result.error.name).not.toBe('InternalError')
      if (result.error.name === 'ValidationError') {
        const field = result.error.field
        expect(typeof field).toBe('string')
        expect(result.error.message.startsWith(`${field!}: `)).toBe(true)
        expect(calls).toEqual([]) // refused before it reached the peer
        if (PARAM[method] === undefined) throw new Error(`${method} takes no argument but refused one`)
      }
    }), { numRuns: RUNS })
    expect(errors).not.toHaveBeenCalled()
  }, 60_000)
})
