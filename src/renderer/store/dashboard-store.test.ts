// The dashboard store against a fake control API (a unit test: the real routes are in the e2e spec).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ControlJobDetail, ControlNodeView, ControlSummary, JobRow } from '../../shared/control-api.js'
import { ApiError } from '../transport/errors.js'
import type { ControlReadApi, LogStreamOpener } from '../transport/index.js'
import type { LogStreamInit } from '../transport/log-stream.js'
import { createDashboardStore } from './dashboard-store.js'
import { logLines } from './logs.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const summary = { tasks: 2, byStatus: { succeeded: 2 }, successRate: 1 } as unknown as ControlSummary
const job = (id: string, status: JobRow['status'] = 'succeeded'): JobRow => ({ id, status } as unknown as JobRow)
const node = { peerId: 'P1', name: 'desk-1' } as unknown as ControlNodeView
const detail = (id: string): ControlJobDetail => ({ job: job(id, 'running'), events: [], recoveries: [] })

function deferred<T> (): { promise: Promise<T>, resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => { resolve = r })
  return { promise, resolve }
}

function fakeApi (): { control: ControlReadApi, openLogStream: LogStreamOpener, streams: Array<Omit<LogStreamInit, 'url'> & { taskId: string, stopped: boolean }> } {
  const streams: Array<Omit<LogStreamInit, 'url'> & { taskId: string, stopped: boolean }> = []
  return {
    control: {
      summary: vi.fn(async () => summary),
      jobs: vi.fn(async () => [job(A), job(B)]),
      job: vi.fn(async (id: string) => detail(id)),
      nodes: vi.fn(async () => [node])
    },
    openLogStream: (taskId, handlers) => {
      const s = { ...handlers, taskId, stopped: false }
      streams.push(s)
      return { stop: () => { s.stopped = true } }
    },
    streams
  }
}

const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('dashboard store', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('reads summary, tasks and nodes; the time is shown only when all three answered', async () => {
    const api = fakeApi()
    const store = createDashboardStore({ ...api, subscribe: () => () => {} })
    await store.getState().actions.refresh()
    const s = store.getState()
    expect(s.summary.data).toBe(summary)
    expect(s.jobs.data?.map((j) => j.id)).toEqual([A, B])
    expect(s.nodes.data).toEqual([node])
    expect(s.updatedAt).not.toBeNull()
    expect(api.control.jobs).toHaveBeenCalledWith({ limit: 100 })

    // The database is still opening (503): the error shows, the old figures stay, the time does not move.
    const before = s.updatedAt
    vi.setSystemTime(Date.now() + 60_000)
    vi.mocked(api.control.nodes).mockRejectedValueOnce(new ApiError('InternalError', 'the database is opening', undefined, 503))
    await store.getState().actions.refresh()
    expect(store.getState().nodes).toMatchObject({ data: [node], error: 'the database is opening' })
    expect(store.getState().updatedAt).toBe(before)

    // Unreachable (the banner says so): data kept, no error state.
    vi.mocked(api.control.summary).mockRejectedValueOnce(new ApiError('UnreachableError', 'cannot reach the peer'))
    await store.getState().actions.refresh()
    expect(store.getState().summary).toMatchObject({ data: summary, error: undefined, loading: false })
  })

  it('filters by status and limit; an answer for an older filter is dropped', async () => {
    const api = fakeApi()
    const slow = deferred<JobRow[]>()
    vi.mocked(api.control.jobs).mockReturnValueOnce(slow.promise).mockResolvedValueOnce([job(B, 'failed')])
    const store = createDashboardStore({ ...api, subscribe: () => () => {} })
    const { actions } = store.getState()
    void actions.refreshJobs()
    actions.setFilter({ status: 'failed', limit: 25 })
    await settle()
    expect(api.control.jobs).toHaveBeenLastCalledWith({ status: 'failed', limit: 25 })
    slow.resolve([job(A), job(B)])
    await settle()
    expect(store.getState().jobs.data).toEqual([job(B, 'failed')])
    expect(store.getState().filter).toEqual({ status: 'failed', limit: 25 })
  })

  it('shows the selected task only: a late detail of the previous selection is dropped', async () => {
    const api = fakeApi()
    const slowA = deferred<ControlJobDetail>()
    vi.mocked(api.control.job).mockReturnValueOnce(slowA.promise)
    const store = createDashboardStore({ ...api, subscribe: () => () => {} })
    const { actions } = store.getState()
    actions.selectJob(A)
    actions.selectJob(B)
    await settle()
    slowA.resolve(detail(A))
    await settle()
    expect(store.getState().detail.data?.job.id).toBe(B)
    actions.selectJob(null)
    expect(store.getState().detail.data).toBeUndefined()
  })

  it('follows the selected task through the relay: lines, holder notes by node name, dedup after a reopen, stop', async () => {
    const api = fakeApi()
    const store = createDashboardStore({ ...api, subscribe: () => () => {} })
    const { actions } = store.getState()
    await actions.refresh()
    actions.selectJob(A)
    const stop = actions.followLog(A)
    const stream = api.streams[0]!
    expect(stream.taskId).toBe(A)
    stream.onState({ kind: 'open', reopened: false })
    const l = (n: number) => ({ type: 'line' as const, line: { taskId: A, epoch: 1, stream: 'stdout' as const, line: `hello ${n}`, at: n } })
    stream.onFrames([{ type: 'holder', holder: 'P1', epoch: 1, status: 'running' }, l(1)])
    stream.onFrames([l(2)])
    // Applied in one batch after the flush interval, not per frame.
    expect(store.getState().relay?.log.count).toBe(0)
    vi.advanceTimersByTime(150)
    expect(logLines(store.getState().relay!.log).map((x) => x.line)).toEqual(['— now on desk-1 (epoch 1) —', 'hello 1', 'hello 2'])
    // The new holder is a new transition: the detail is re-read.
    expect(api.control.job).toHaveBeenCalledTimes(2)

    stream.onState({ kind: 'retrying' })
    expect(store.getState().relay?.connection).toBe('retrying')
    stream.onState({ kind: 'open', reopened: true })
    stream.onFrames([{ type: 'holder', holder: 'P1', epoch: 1, status: 'running' }, l(1), l(2), l(3)])
    vi.advanceTimersByTime(150)
    expect(logLines(store.getState().relay!.log).map((x) => x.line)).toEqual(['— now on desk-1 (epoch 1) —', 'hello 1', 'hello 2', 'hello 3'])

    stop()
    expect(stream.stopped).toBe(true)
  })

  it('without a relay (the desktop app) says so instead of waiting forever', () => {
    const store = createDashboardStore({ control: undefined, openLogStream: undefined, subscribe: () => () => {} })
    store.getState().actions.selectJob(A)
    store.getState().actions.followLog(A)
    expect(store.getState().relay).toMatchObject({ connection: 'closed', error: 'live logs need the browser page of a peer' })
  })
})
