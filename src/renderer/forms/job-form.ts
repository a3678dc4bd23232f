// The "New job" form: the text the user typed → a SubmitTaskRequest checked by the shared schema,
// or a message per field.
import { parseMemoryMb, submitTaskRequestSchema, type SubmitTaskRequest } from '../../shared/api.js'
import { fieldErrorsFromIssues, parseNumberText, type FieldErrors, type FieldMap } from './field-errors.js'

export type JobField = 'image' | 'command' | 'cpu' | 'memory' | 'timeout' | 'env' | 'form'
export type JobFormValues = Record<Exclude<JobField, 'form'>, string>

export const DEFAULT_JOB_FORM: JobFormValues = { image: '', command: '', cpu: '1', memory: '256m', timeout: '3600', env: '' }

/** Request keys → form fields, for schema issues and server ValidationErrors alike. */
export const JOB_FIELDS: FieldMap<JobField> = {
  image: 'image', command: 'command', cpu: 'cpu', memoryMb: 'memory', timeoutSec: 'timeout', env: 'env'
}

export type JobFormResult =
  | { ok: true, request: SubmitTaskRequest }
  | { ok: false, errors: FieldErrors<JobField> }

/** "K=V" lines → env; blank lines are skipped, a line without "=" is an error naming its number. */
export function parseEnvLines (text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    const eq = line.indexOf('=')
    if (eq <= 0) return { error: `line ${i + 1}: write each variable as NAME=value` }
    env[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return { env }
}

export function validateJobForm (values: JobFormValues): JobFormResult {
  const errors: FieldErrors<JobField> = {}
  const cpu = parseNumberText(values.cpu)
  if (cpu === undefined) errors.cpu = 'cpu must be a number, e.g. 1 or 0.5'
  const memoryMb = parseMemoryMb(values.memory)
  if (memoryMb === undefined) errors.memory = 'memory must be a size like 256m or 1g'
  const timeoutSec = parseNumberText(values.timeout)
  if (timeoutSec === undefined) errors.timeout = 'timeout must be a number of seconds'
  const env = parseEnvLines(values.env)
  if ('error' in env) errors.env = env.error

  // The command runs through a shell, so pipes and quotes work as typed.
  const command = values.command.trim() === '' ? [] : ['sh', '-c', values.command]
  const request = {
    image: values.image,
    command,
    cpu: cpu ?? 1,
    memoryMb: memoryMb ?? 256,
    timeoutSec: timeoutSec ?? 3600,
    env: 'env' in env ? env.env : {}
  }
  const parsed = submitTaskRequestSchema.safeParse(request)
  const schemaErrors = parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, JOB_FIELDS, 'form')
  // A field that did not even parse keeps that message rather than one about its stand-in value.
  const all = { ...schemaErrors, ...errors }
  if (Object.keys(all).length > 0) return { ok: false, errors: all }
  return { ok: true, request }
}
