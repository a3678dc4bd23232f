// Maps validation problems (zod issues from the shared schemas, or a server ValidationError) to
// the form field that shows them, one message per field.
import type { submitTaskRequestSchema } from '../../shared/api.js'

/** A zod issue, named through a shared schema so the renderer needs no zod import of its own. */
export type SchemaIssue = NonNullable<ReturnType<typeof submitTaskRequestSchema.safeParse>['error']>['issues'][number]

/** Form field → message. */
export type FieldErrors<F extends string> = Partial<Record<F, string>>

/** Request key (first path element) → the form field it comes from. */
export type FieldMap<F extends string> = Readonly<Record<string, F>>

/**
 * The first message for each field. Issues on unknown keys go to `fallback` (the form-level
 * message), so nothing the schema says is ever silently lost.
 */
export function fieldErrorsFromIssues<F extends string> (
  issues: readonly SchemaIssue[], fields: FieldMap<F>, fallback: F
): FieldErrors<F> {
  const errors: FieldErrors<F> = {}
  for (const issue of issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : ''
    const field = fields[key] ?? fallback
    if (errors[field] !== undefined) continue
    errors[field] = issueMessage(issue)
  }
  return errors
}

function issueMessage (issue: SchemaIssue): string {
  // Record keys (env names) report their problem one level down.
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message
    return `${inner} (got "${String(issue.path[1] ?? '')}")`
  }
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.join(', ')}`
  return issue.message
}

/** The error for a field named by the server (its request key), else for the form as a whole. */
export function fieldErrorFromServer<F extends string> (
  field: string | undefined, message: string, fields: FieldMap<F>, fallback: F
): FieldErrors<F> {
  // A list item's field ("inputPaths.1") belongs to the list's form field.
  const target = field === undefined ? fallback : (fields[field] ?? fields[field.split('.')[0]!] ?? fallback)
  return { [target]: message } as FieldErrors<F>
}

/** Whether any field has an error. */
export const hasErrors = (errors: FieldErrors<string>): boolean =>
  Object.values(errors).some((m) => m !== undefined)

/** Parses a number the user typed; '' and junk are undefined (Number('') would be 0). */
export function parseNumberText (text: string): number | undefined {
  const t = text.trim()
  if (t === '') return undefined
  const n = Number(t)
  return Number.isFinite(n) ? n : undefined
}
