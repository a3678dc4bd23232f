// The "New job" form: the text the user typed → a SubmitTaskRequest checked by the shared schema,
// or a message per field.
import { parseMemoryMb, submitTaskRequestSchema, type SubmitTaskRequest } from '../../shared/api.js'
import { fieldErrorsFromIssues, parseNumberText, type FieldErrors, type FieldMap } from './field-errors.js'

export type JobField = 'image' | 'command' | 'cpu' | 'memory' | 'timeout' | 'env' | 'inputs' | 'form'
export type JobFormValues = Record<Exclude<JobField, 'form'>, string>

export const DEFAULT_JOB_FORM: JobFormValues = { image: '', command: '', cpu: '1', memory: '256m', timeout: '3600', env: '', inputs: '' }

/** Request keys → form fields, for schema issues and server ValidationErrors alike. */
export const JOB_FIELDS: FieldMap<JobField> = {
  image: 'image', command: 'command', cpu: 'cpu', memoryMb: 'memory', timeoutSec: 'timeout', env: 'env', inputPaths: 'inputs'
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

// Absolute on POSIX (/…) or Windows (C:\… or \\server\…): the peer on this machine reads them, whatever its directory.
const ABSOLUTE_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/

/**
 * One path per line → inputPaths; blank lines are skipped. Each must be absolute, and no two may
 * end in the same name (each is /input/<name>); errors name the line.
 */
export function parseInputLines (text: string): { paths: string[] } | { error: string } {
  const paths: string[] = []
  const names = new Map<string, number>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const path = lines[i]!.trim()
    if (path === '') continue
    if (!ABSOLUTE_PATH.test(path)) return { error: `line ${i + 1}: write the full path, like /home/me/data.csv` }
    const name = path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? ''
    const other = names.get(name)
    if (other !== undefined) return { error: `line ${i + 1}: line ${other} is also named "${name}" (each is /input/<name>)` }
    names.set(name, i + 1)
    paths.push(path)
  }
  return { paths }
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
  const inputs = parseInputLines(values.inputs)
  if ('error' in inputs) errors.inputs = inputs.error

  // The command runs through a shell, so pipes and quotes work as typed.
  const command = values.command.trim() === '' ? [] : ['sh', '-c', values.command]
  const request = {
    image: values.image,
    command,
    cpu: cpu ?? 1,
    memoryMb: memoryMb ?? 256,
    timeoutSec: timeoutSec ?? 3600,
    env: 'env' in env ? env.env : {},
    // Left out when empty, so a job without files is the request it always was.
    ...('paths' in inputs && inputs.paths.length > 0 ? { inputPaths: inputs.paths } : {})
  }
  const parsed = submitTaskRequestSchema.safeParse(request)
  const schemaErrors = parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, JOB_FIELDS, 'form')
  // A field that did not even parse keeps that message rather than one about its stand-in value.
  const all = { ...schemaErrors, ...errors }
  if (Object.keys(all).length > 0) return { ok: false, errors: all }
  return { ok: true, request }
}
