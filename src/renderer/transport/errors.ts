// Errors the renderer sees from any transport: the shared API error names, plus one for "no peer
// answers" so views can keep their data and show the retry banner instead of an error state.
import type { ApiErrorName } from '../../shared/api.js'

export type TransportErrorName = ApiErrorName | 'UnreachableError'

const API_ERROR_NAMES: ReadonlySet<string> = new Set<ApiErrorName>([
  'ValidationError', 'NotFoundError', 'UnauthorizedError', 'ConflictError', 'TooManyRequestsError', 'InternalError'
])

/** A failed API call: `name` and `message` (and `field` for ValidationError) from the error body. */
export class ApiError extends Error {
  override name: TransportErrorName
  /** The request field a ValidationError is about, e.g. "cpu". */
  readonly field: string | undefined
  /** HTTP status in web mode; undefined over IPC or when nothing answered. */
  readonly status: number | undefined

  constructor (name: TransportErrorName, message: string, field?: string, status?: number) {
    super(message)
    this.name = name
    this.field = field
    this.status = status
  }
}

export const isUnreachable = (err: unknown): boolean => err instanceof ApiError && err.name === 'UnreachableError'
export const isUnauthorized = (err: unknown): boolean => err instanceof ApiError && err.name === 'UnauthorizedError'

/** Reads an `{ error: { name, message, field? } }` body; anything else becomes an InternalError. */
export function errorFromBody (body: unknown, status: number): ApiError {
  const e = (body as { error?: { name?: unknown, message?: unknown, field?: unknown } } | null | undefined)?.error
  const name = typeof e?.name === 'string' && API_ERROR_NAMES.has(e.name) ? e.name as ApiErrorName : (status === 401 ? 'UnauthorizedError' : 'InternalError')
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : `the peer answered HTTP ${status}`
  return new ApiError(name, message, typeof e?.field === 'string' ? e.field : undefined, status)
}

// Electron's invoke() rejects with "Error invoking remote method 'mcloud:x': ValidationError: cpu: …"
// when the main process lets an error escape; recover the name so the UI treats it like HTTP's.
const REMOTE_PREFIX = /^Error invoking remote method '[^']*': (?:Error: )?/

/** Turns whatever a transport threw into an ApiError (already-typed errors pass through). */
export function toApiError (err: unknown): ApiError {
  if (err instanceof ApiError) return err
  const e = err as { name?: unknown, message?: unknown, field?: unknown } | null | undefined
  let message = typeof e?.message === 'string' ? e.message.replace(REMOTE_PREFIX, '') : String(err)
  let name: TransportErrorName = 'InternalError'
  if (typeof e?.name === 'string' && API_ERROR_NAMES.has(e.name)) {
    name = e.name as ApiErrorName
  } else {
    const m = /^(\w+Error): (.*)$/s.exec(message)
    if (m !== null && API_ERROR_NAMES.has(m[1]!)) {
      name = m[1] as ApiErrorName
      message = m[2]!
    }
  }
  let field = typeof e?.field === 'string' ? e.field : undefined
  // Validation messages read "<field>: <message>"; the field is recoverable when it was lost.
  if (name === 'ValidationError' && field === undefined) field = /^(\w+): /.exec(message)?.[1]
  return new ApiError(name, message, field)
}

/** The message to show next to the field: without the "<field>: " prefix the server adds. */
export function fieldMessage (err: ApiError): string {
  if (err.field === undefined) return err.message
  const prefix = `${err.field}: `
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message
}
