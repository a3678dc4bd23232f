// Errors of the local API: the ones that cross HTTP carry an ApiErrorName from src/shared/api.
import type { z } from 'zod'
import type { ApiErrorBody, ApiErrorName } from '../../shared/api.js'

const STATUS_BY_NAME: Record<ApiErrorName, number> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  NotFoundError: 404,
  ConflictError: 409,
  // a posting limit (peer/constants.ts); the message names it and when to try again
  TooManyRequestsError: 429,
  InternalError: 500
}

const API_ERROR_NAMES = new Set<string>(Object.keys(STATUS_BY_NAME))

export const isApiErrorName = (name: unknown): name is ApiErrorName =>
  typeof name === 'string' && API_ERROR_NAMES.has(name)

/** An error with an HTTP status; thrown inside the server, rendered as an ApiErrorBody. */
export class HttpError extends Error {
  override name: ApiErrorName
  readonly status: number
  readonly field: string | undefined
  readonly headers: Record<string, string>

  constructor (status: number, name: ApiErrorName, message: string, field?: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = name
    this.status = status
    this.field = field
    this.headers = headers
  }
}

/** What a client sees when the server (or the MCloudApi behind it) rejected a request. */
export class ApiClientError extends Error {
  override name: ApiErrorName
  readonly status: number
  readonly field: string | undefined

  constructor (name: ApiErrorName, message: string, status: number, field?: string) {
    super(message)
    this.name = name
    this.status = status
    this.field = field
  }
}

/** No peer answers for a data dir: api.json is missing, stale, or its API does not answer. */
export class PeerNotRunningError extends Error {
  override name = 'PeerNotRunningError'
}

export const validationError = (field: string, message: string): HttpError =>
  new HttpError(400, 'ValidationError', `${field}: ${message}`, field)

/** Names the top-level field of a zod issue; unknown keys and record keys name themselves. */
export function describeIssue (issue: z.core.$ZodIssue): { field: string, message: string } {
  if (issue.code === 'unrecognized_keys') {
    return { field: String(issue.keys[0] ?? 'body'), message: 'unknown field' }
  }
  const field = issue.path.length > 0 ? String(issue.path[0]) : 'body'
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message
    return { field, message: `${inner} (got "${String(issue.path[1] ?? '')}")` }
  }
  return { field, message: issue.message }
}

/**
 * Maps anything thrown while serving a request to a status and a body. Errors thrown by the
 * MCloudApi implementation carry an ApiErrorName; anything else is an InternalError whose real
 * message only goes to stderr, so internals never leak to a client.
 */
export function toErrorResponse (err: unknown): { status: number, body: ApiErrorBody, headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, body: errorBody(err.name, err.message, err.field), headers: err.headers }
  }
  const e = err as { name?: unknown, message?: unknown, field?: unknown, retryAfterMs?: unknown } | null
  const name = e?.name
  if (isApiErrorName(name) && name !== 'InternalError' && name !== 'UnauthorizedError') {
    const message = typeof e?.message === 'string' && e.message !== '' ? e.message : name
    const field = typeof e?.field === 'string' ? e.field : undefined
    // a limit that says when to come back (HTTP's Retry-After, whole seconds)
    const headers: Record<string, string> = typeof e?.retryAfterMs === 'number' ? { 'Retry-After': String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))) } : {}
    return { status: STATUS_BY_NAME[name], body: errorBody(name, message, field), headers }
  }
  console.error('mcloud api: internal error:', err)
  return { status: 500, body: errorBody('InternalError', 'internal error'), headers: {} }
}

export function errorBody (name: ApiErrorName, message: string, field?: string): ApiErrorBody {
  return { error: field === undefined ? { name, message } : { name, message, field } }
}
