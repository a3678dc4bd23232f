// The web transport's pure parts: error bodies, back-off, routes, the token in the URL, the link state.
import { describe, expect, it } from 'vitest'
import { reconnectDelayMs } from './backoff.js'
import { ApiError, errorFromBody, fieldMessage, toApiError } from './errors.js'
import { linkState } from './link.js'
import { routeCall } from './routes.js'
import { tokenFromSearch, urlWithoutToken } from './token.js'

describe('errors', () => {
  it('reads name, message and field from an error body', () => {
    const err = errorFromBody({ error: { name: 'ValidationError', message: 'cpu: cpu must be at least 0.1', field: 'cpu' } }, 400)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ name: 'ValidationError', message: 'cpu: cpu must be at least 0.1', field: 'cpu', status: 400 })
    expect(fieldMessage(err)).toBe('cpu must be at least 0.1')
  })

  it('turns a body without the shared shape into an InternalError naming the status', () => {
    expect(errorFromBody('<html>', 502)).toMatchObject({ name: 'InternalError', message: 'the peer answered HTTP 502', field: undefined })
    expect(errorFromBody({ error: { name: 'EvilError', message: 'x' } }, 500).name).toBe('InternalError')
    expect(errorFromBody(undefined, 401).name).toBe('UnauthorizedError')
  })

  it('recovers name and field from an error that crossed Electron IPC as text', () => {
    const ipc = new Error("Error invoking remote method 'mcloud:submitTask': ValidationError: memoryMb: memory must be at least 16 MiB")
    const err = toApiError(ipc)
    expect(err).toMatchObject({ name: 'ValidationError', field: 'memoryMb', message: 'memoryMb: memory must be at least 16 MiB' })
    expect(fieldMessage(err)).toBe('memory must be at least 16 MiB')
  })

  it('rebuilds the plain {name, message, field} object the preload rejects with', () => {
    const err = toApiError({ name: 'ValidationError', message: 'cpu: cpu must be at most 64', field: 'cpu' })
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ name: 'ValidationError', field: 'cpu' })
    expect(fieldMessage(err)).toBe('cpu must be at most 64')
  })

  it('keeps a typed error from the preload as it is', () => {
    const thrown = Object.assign(new Error('no task abc'), { name: 'NotFoundError' })
    expect(toApiError(thrown)).toMatchObject({ name: 'NotFoundError', message: 'no task abc', field: undefined })
    expect(toApiError(new TypeError('boom')).name).toBe('InternalError')
  })
})

describe('reconnect back-off', () => {
  it('starts at 1 s, doubles, and stays at 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 50, 1e9].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000])
  })
})

describe('routes', () => {
  it('fills path parameters from API_ROUTES, encoded', () => {
    expect(routeCall('whyTask', { id: 'ab'.repeat(32) })).toEqual({ method: 'GET', path: `/api/tasks/${'ab'.repeat(32)}/why` })
    expect(routeCall('stopNow')).toEqual({ method: 'POST', path: '/api/sharing/stop-now' })
    expect(routeCall('getTask', { id: 'a/b' }).path).toBe('/api/tasks/a%2Fb')
    expect(() => routeCall('getTask')).toThrow(/missing parameter id/)
  })
})

describe('token in the URL', () => {
  it('is read from ?token= and removed, keeping the rest of the URL', () => {
    expect(tokenFromSearch('?token=abc123&x=1')).toBe('abc123')
    expect(tokenFromSearch('?token=')).toBeUndefined()
    expect(tokenFromSearch('')).toBeUndefined()
    expect(urlWithoutToken('http://127.0.0.1:4312/?token=abc#logs')).toBe('/#logs')
    expect(urlWithoutToken('http://127.0.0.1:4312/?a=1&token=abc&b=2')).toBe('/?a=1&b=2')
  })
})

describe('link state', () => {
  const base = { httpReachable: undefined, eventsOpen: false, eventsEverOpen: false, unauthorized: false }
  it('is connecting until both HTTP and events answered, then online', () => {
    expect(linkState(base)).toBe('connecting')
    expect(linkState({ ...base, eventsOpen: true, eventsEverOpen: true })).toBe('connecting')
    expect(linkState({ ...base, httpReachable: true, eventsOpen: true, eventsEverOpen: true })).toBe('online')
  })
  it('is down when HTTP fails or the stream dropped, and unauthorized wins over everything', () => {
    expect(linkState({ ...base, httpReachable: false })).toBe('down')
    expect(linkState({ ...base, httpReachable: true, eventsEverOpen: true })).toBe('down')
    expect(linkState({ ...base, httpReachable: false, unauthorized: true })).toBe('unauthorized')
  })
})
