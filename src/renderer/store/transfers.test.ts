// Downloads of outputs in the store: the user's call, the peer's progress events, the outcome.
import { describe, expect, it, vi } from 'vitest'
import type { ApiEvent, DownloadOutputsResponse } from '../../shared/api.js'
import { ApiError } from '../transport/errors.js'
import type { Transport } from '../transport/index.js'
import { createAppStore } from './app-store.js'
import { applyEvent } from './events.js'
import { initialData } from './state.js'
import { applyInputProgress, applyProgress, downloadFailed, downloadRequested, downloadSaved, inputsLine, outputsLine } from './transfers.js'

const ID = 'c'.repeat(64)
const progress = (bytes: number, total: number | null, done = false, error?: string): ApiEvent =>
  ({ type: 'transfer:progress', taskId: ID, direction: 'outputs', bytes, total, done, ...(error === undefined ? {} : { error }) })
const saved: DownloadOutputsResponse = { taskId: ID, cid: 'bafyx', dir: '/data/outputs/c', bytes: 40_000_000 }

function deferred<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void } {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

describe('outputs downloads (pure)', () => {
  it('follows the peer\'s progress, outputs only, and keeps a failure until a new transfer starts', () => {
    let d = applyProgress({}, { ...progress(5, 10), direction: 'inputs' } as Extract<ApiEvent, { type: 'transfer:progress' }>)
    expect(d).toEqual({})
    d = applyProgress(d, progress(5, 10) as Extract<ApiEvent, { type: 'transfer:progress' }>)
    expect(d[ID]).toMatchObject({ bytes: 5, total: 10, active: true, error: null })
    d = applyProgress(d, progress(7, 10, true, 'the holder went away') as Extract<ApiEvent, { type: 'transfer:progress' }>)
    expect(d[ID]).toMatchObject({ active: false, error: 'the holder went away' })
    d = downloadRequested(d, ID)
    expect(d[ID]).toMatchObject({ active: true, error: null, savedDir: null })
    d = downloadSaved(d, saved)
    expect(d[ID]).toEqual({ bytes: 40_000_000, total: 40_000_000, active: false, savedDir: '/data/outputs/c', error: null })
    // The peer's last event may come after its answer: it does not undo "saved".
    expect(applyProgress(d, progress(40_000_000, 40_000_000, true) as Extract<ApiEvent, { type: 'transfer:progress' }>)[ID]?.savedDir).toBe('/data/outputs/c')
    expect(downloadFailed(d, ID, 'disk full')[ID]).toMatchObject({ active: false, savedDir: null, error: 'disk full' })
  })

  it('says what is going on in one line', () => {
    expect(outputsLine(null, undefined)).toBeUndefined()
    expect(outputsLine('/auto', undefined)).toBe('Outputs saved to /auto')
    expect(outputsLine('/auto', { bytes: 12_300_000, total: 40_000_000, active: true, savedDir: null, error: null }))
      .toBe('Downloading outputs… 12.3 MB / 40.0 MB')
    expect(outputsLine(null, { bytes: 999, total: null, active: true, savedDir: null, error: null })).toBe('Downloading outputs… 999 B / ?')
    expect(outputsLine('/auto', { bytes: 1, total: 1, active: false, savedDir: '/mine', error: null })).toBe('Saved to /mine')
  })

  it('applies transfer:progress events to the state', () => {
    const state = initialData('online')
    expect(applyEvent(state, progress(1, 2), 0)?.outputs?.[ID]?.bytes).toBe(1)
    expect(applyEvent(state, progress(1, 2), 0)?.inputs).toBeUndefined()
  })
})

describe('inputs fetched here for a task this computer runs', () => {
  const inputs = (bytes: number, total: number | null, done = false, error?: string): Extract<ApiEvent, { type: 'transfer:progress' }> =>
    ({ ...progress(bytes, total, done, error), direction: 'inputs' } as Extract<ApiEvent, { type: 'transfer:progress' }>)

  it('follows the fetch and forgets it when it ends, done or failed; outputs events leave it alone', () => {
    let f = applyInputProgress({}, inputs(10_000_000, 50_000_000))
    expect(inputsLine(f[ID]!)).toBe('Fetching inputs… 10.0 MB / 50.0 MB')
    expect(applyInputProgress(f, progress(1, 2) as Extract<ApiEvent, { type: 'transfer:progress' }>)).toBe(f)
    f = applyInputProgress(f, inputs(30_000_000, 50_000_000))
    expect(f[ID]).toEqual({ bytes: 30_000_000, total: 50_000_000 })
    expect(applyInputProgress(f, inputs(50_000_000, 50_000_000, true))).toEqual({})
    expect(applyInputProgress(f, inputs(30_000_000, 50_000_000, true, 'no block arrived for 30 s'))).toEqual({})
    expect(inputsLine({ bytes: 999, total: null })).toBe('Fetching inputs… 999 B / ?')
  })

  it('reaches the state from events, and a task that no longer runs here drops a fetch whose end was missed', () => {
    let state = initialData('online')
    state = { ...state, ...applyEvent(state, inputs(5_000_000, 20_000_000), 0) }
    expect(state.inputs[ID]).toEqual({ bytes: 5_000_000, total: 20_000_000 })
    expect(state.outputs[ID]).toBeUndefined()
    const task = { taskId: ID, runningHere: true } as Extract<ApiEvent, { type: 'task:state' }>['task']
    expect(applyEvent(state, { type: 'task:state', task }, 0)?.inputs).toBeUndefined()
    expect(applyEvent(state, { type: 'task:state', task: { ...task, runningHere: false } }, 0)?.inputs).toEqual({})
  })
})

describe('store: downloadOutputs', () => {
  function storeWith (downloadOutputs: Transport['downloadOutputs']): ReturnType<typeof createAppStore> {
    return createAppStore({ link: () => 'online', downloadOutputs } as unknown as Transport)
  }

  it('shows the download running, its progress from events, then where it saved them', async () => {
    const answer = deferred<DownloadOutputsResponse>()
    const call = vi.fn(() => answer.promise)
    const store = storeWith(call)
    const running = store.getState().actions.downloadOutputs(ID)
    expect(store.getState().outputs[ID]?.active).toBe(true)
    // A second press while it runs does not ask again.
    await store.getState().actions.downloadOutputs(ID)
    expect(call).toHaveBeenCalledTimes(1)
    store.getState().actions.receive(progress(20_000_000, 40_000_000))
    expect(outputsLine(null, store.getState().outputs[ID])).toBe('Downloading outputs… 20.0 MB / 40.0 MB')
    answer.resolve(saved)
    await running
    expect(outputsLine(null, store.getState().outputs[ID])).toBe('Saved to /data/outputs/c')
  })

  it('keeps the error of a failed download, and says when the peer is unreachable', async () => {
    const store = storeWith(vi.fn()
      .mockRejectedValueOnce(new ApiError('ConflictError', `task ${ID} has not finished (running)`))
      .mockRejectedValueOnce(new ApiError('UnreachableError', 'cannot reach the peer (no answer)')))
    await store.getState().actions.downloadOutputs(ID)
    expect(store.getState().outputs[ID]).toMatchObject({ active: false, error: `task ${ID} has not finished (running)` })
    await store.getState().actions.downloadOutputs(ID)
    expect(store.getState().outputs[ID]?.error).toBe('cannot reach the peer')
  })
})
