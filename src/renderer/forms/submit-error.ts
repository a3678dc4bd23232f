// Where a failed save shows: a ValidationError on its field, anything else on the form.
import { fieldMessage, isUnreachable, toApiError } from '../transport/index.js'
import { fieldErrorFromServer, type FieldErrors, type FieldMap } from './field-errors.js'

export function errorsFromFailure<F extends string> (err: unknown, fields: FieldMap<F>, fallback: F): FieldErrors<F> {
  const e = toApiError(err)
  if (isUnreachable(e)) return { [fallback]: 'Cannot reach the peer; nothing was saved. Try again when it is back.' } as FieldErrors<F>
  if (e.name === 'ValidationError') return fieldErrorFromServer(e.field, fieldMessage(e), fields, fallback)
  return { [fallback]: e.message } as FieldErrors<F>
}
