// Errors that cross the API: `name` is one of the shared ApiErrorName values.
import type { ApiErrorName } from '../../shared/index.js'

export class ApiError extends Error {
  constructor (override readonly name: ApiErrorName, message: string, readonly field?: string) { super(message) }
}
