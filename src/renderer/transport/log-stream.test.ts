// The control transport: relay frame parsing, the relay socket's reopen/stop rules, the control routes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { openLogStream, parseLogStreamFrames } from './log-stream.js'
import { logStreamPath, routeCall } from './routes.js'

const lineFrame = { type: 'line', line: { taskId: 't', epoch: 1, stream: 'stderr', line: 'oops', at: 5 } }

describe('log relay frames', () => {
  it('reads one frame or an array of frames', () => {
    expect(parseLogStreamFrames(JSON.stringify(lineFrame))).toEqual([lineFrame])
    const many = [
      { type: 'holder', holder: 'P', epoch: 2, status: 'running' },
      { type: 'holder', holder: null, epoch: 2, status: 'queued' },
      { type: 'end', status: 'succeeded', exitCode: 0, error: null },
      { type: 'error', name: 'ValidationError', message: 'id: not a task id', field: 'id' }
    ]
    expect(parseLogStreamFrames(JSON.stringify(many))).toEqual(many)
  })

  it('drops what is not a frame instead of trusting it', () => {
    expect(parseLogStreamFrames('not json')).toEqual([])
    expect(parseLogStreamFrames('null')).toEqual([])
    expect(parseLogStreamFrames(JSON.stringify([
      { type: 'line', line: { ...lineFrame.line, stream: 'video' } },
      { type: 'line', line: { ...lineFrame.line, at: 'later' } },
      { type: 'holder', holder: 7, epoch: 1, status: 'running' },
      { type: 'end', status: 'failed', exitCode: '1', error: null },
      { type: 'error', message: 'no name' },
      { type: 'surprise' },
      lineFrame
    ]))).toEqual([lineFrame])
  })
})

describe('control routes', () => {
  it('come from CONTROL_ROUTES, with the jobs query only when given', () => {
    expect(routeCall('controlSummary')).toEqual({ method: 'GET', path: '/api/control/summary' })
    expect(routeCall('controlJobs', {}, { status: 'failed', limit: '50' }).path).toBe('/api/control/jobs?status=failed&limit=50')
    expect(routeCall('controlJobs', {}, { status: undefined, limit: '100' }).path).toBe('/api/control/jobs?limit=100')
    expect(routeCall('controlJob', { id: 'ab'.repeat(32) }).path).toBe(`/api/control/jobs/${'ab'.repeat(32)}`)
    expect(routeCall('controlNodes').path).toBe('/api/control/nodes')
    expect(logStreamPath('a/b')).toBe('/api/tasks/a%2Fb/logs')
  })
})

// A stand-in for the browser's WebSocket: the test plays the server.
class FakeSocket {
  static all: FakeSocket[] = []
  onopen: (() => void) | null = null
  onmessage: ((m: { data: unknown }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  closed = false
  constructor (readonly url: string) { FakeSocket.all.push(this) }
  close (): void { this.closed = true }
  open (): void { this.onopen?.() }
  send (frame: unknown): void { this.onmessage?.({ data: JSON.stringify(frame) }) }
  drop (code = 1006): void { this.onclose?.({ code }) }
}

describe('the log relay socket', () => {
  const lineFrame2 = { type: 'line', line: { taskId: 't', epoch: 1, stream: 'stdout', line: 'hi', at: 1 } } as const
  let states: string[]
  let frames: string[]
  const follow = (): ReturnType<typeof openLogStream> => openLogStream({
    url: 'ws://127.0.0.1:1/api/tasks/t/logs?token=x',
    onFrames: (f) => { frames.push(...f.map((x) => x.type)) },
    onState: (s) => { states.push(s.kind === 'open' ? (s.reopened ? 'reopened' : 'open') : s.kind) }
  })

  beforeEach(() => {
    FakeSocket.all = []
    states = []
    frames = []
    vi.useFakeTimers()
    vi.stubGlobal('WebSocket', FakeSocket)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('reopens after a drop (flagged, so the replayed buffer is deduplicated) and stops for good after end', () => {
    follow()
    FakeSocket.all[0]!.open()
    FakeSocket.all[0]!.send(lineFrame2)
    FakeSocket.all[0]!.drop()
    expect(states).toEqual(['open', 'retrying'])
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(2)
    FakeSocket.all[1]!.open()
    FakeSocket.all[1]!.send([lineFrame2, { type: 'end', status: 'succeeded', exitCode: 0, error: null }])
    expect(FakeSocket.all[1]!.closed).toBe(true)
    FakeSocket.all[1]!.drop(1000)
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(2)
    expect(states).toEqual(['open', 'retrying', 'reopened', 'closed'])
    expect(frames).toEqual(['line', 'line', 'end'])
  })

  it('does not retry a task the server refused (close 4404), and stop() closes once', () => {
    follow()
    FakeSocket.all[0]!.drop(4404)
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(states).toEqual(['closed'])

    states = []
    const handle = follow()
    FakeSocket.all[1]!.open()
    handle.stop()
    handle.stop()
    FakeSocket.all[1]!.drop(1005)
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all[1]!.closed).toBe(true)
    expect(FakeSocket.all).toHaveLength(2)
    expect(states).toEqual(['open', 'closed'])
  })
})
