// mcloud submit | ps | cancel: task commands, and the flag ⇄ field mapping they share.
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { parseMemoryMb, submitTaskRequestSchema, type SubmitTaskInput } from '../../shared/api.js'
import type { ApiClient } from '../api/index.js'
import { describeIssue } from '../api/errors.js'
import { CLIENT_OPTIONS, CliError, parseCommandArgs, parseNumberFlag, resolveDataDir, UsageError, userPath, type CliEnv } from './args.js'
import { formatTasks } from './format.js'
import { connect, printJson, type CliIo } from './io.js'

/** Request fields → the flag a user typed, so errors name what the user can change. */
const FIELD_FLAGS: Record<string, string> = {
  image: '--image',
  command: '--cmd',
  cpu: '--cpu',
  memoryMb: '--mem',
  timeoutSec: '--timeout',
  env: '--env',
  maxAttempts: '--max-attempts',
  retryOnFailure: '--retry-on-failure',
  network: '--network',
  inputPaths: '--input',
  dir: 'DIR',
  id: 'TASK',
  taskId: 'TASK'
}

/** A list item's field ("inputPaths.1") names the flag of its list. */
export const flagForField = (field: string): string => FIELD_FLAGS[field] ?? FIELD_FLAGS[field.split('.')[0]!] ?? field

export const SUBMIT_OPTIONS = {
  ...CLIENT_OPTIONS,
  image: { type: 'string' },
  cmd: { type: 'string' },
  cpu: { type: 'string' },
  mem: { type: 'string' },
  timeout: { type: 'string' },
  env: { type: 'string', multiple: true },
  'max-attempts': { type: 'string' },
  'retry-on-failure': { type: 'boolean' },
  network: { type: 'boolean' },
  input: { type: 'string', multiple: true }
} as const

/** Turns `submit` arguments into a validated request, or throws a UsageError naming the flag. */
export function buildSubmitRequest (argv: string[], env: CliEnv = process.env): { request: SubmitTaskInput, dataDirFlag: string | undefined, json: boolean } {
  const dash = argv.indexOf('--')
  const flags = dash === -1 ? argv : argv.slice(0, dash)
  const literal = dash === -1 ? undefined : argv.slice(dash + 1)
  const { values: v } = parseCommandArgs('submit', flags, SUBMIT_OPTIONS, false)

  if (v.image === undefined) throw new UsageError('--image: is required')
  let command: string[]
  if (v.cmd !== undefined && literal !== undefined) throw new UsageError('--cmd: give either --cmd "…" or -- ARGV…, not both')
  if (v.cmd !== undefined) {
    if (v.cmd.trim() === '') throw new UsageError('--cmd: must not be empty')
    command = ['sh', '-c', v.cmd]
  } else if (literal !== undefined && literal.length > 0) {
    command = literal
  } else {
    throw new UsageError('--cmd: a command is required (--cmd "…" or -- ARGV…)')
  }

  const request: Record<string, unknown> = { image: v.image, command }
  if (v.cpu !== undefined) request.cpu = parseNumberFlag('--cpu', v.cpu)
  if (v.mem !== undefined) {
    const mb = parseMemoryMb(v.mem)
    if (mb === undefined) throw new UsageError('--mem: expected a size like 256m or 1g')
    request.memoryMb = mb
  }
  if (v.timeout !== undefined) request.timeoutSec = parseNumberFlag('--timeout', v.timeout, 'whole seconds')
  if (v['max-attempts'] !== undefined) request.maxAttempts = parseNumberFlag('--max-attempts', v['max-attempts'], 'a whole number')
  if (v['retry-on-failure'] === true) request.retryOnFailure = true
  if (v.network === true) request.network = true
  if (v.env !== undefined) {
    const env: Record<string, string> = {}
    for (const pair of v.env) {
      const eq = pair.indexOf('=')
      if (eq <= 0) throw new UsageError(`--env: expected K=V, got "${pair}"`)
      env[pair.slice(0, eq)] = pair.slice(eq + 1)
    }
    request.env = env
  }
  // The local peer reads them: absolute paths on this machine, whatever the shell's directory.
  if (v.input !== undefined) request.inputPaths = v.input.map((path) => userPath(path, env))

  const parsed = submitTaskRequestSchema.safeParse(request)
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error.issues[0]!)
    throw new UsageError(`${flagForField(field)}: ${message}`)
  }
  return { request: parsed.data, dataDirFlag: v['data-dir'], json: v.json === true }
}

export async function submitCommand (argv: string[], io: CliIo): Promise<number> {
  const { request, dataDirFlag, json } = buildSubmitRequest(argv, io.env)
  await checkInputPaths(request.inputPaths ?? [])
  const client = await connect(resolveDataDir(dataDirFlag, io.env))
  const { taskId } = await client.submitTask(request)
  if (json) printJson(io, { taskId })
  else io.stdout.write(taskId + '\n')
  return 0
}

export async function psCommand (argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('ps', argv, CLIENT_OPTIONS, false)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const tasks = await client.listTasks()
  if (values.json === true) printJson(io, tasks)
  else io.stdout.write(formatTasks(tasks))
  return 0
}

export async function cancelCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('cancel', argv, CLIENT_OPTIONS, true)
  const prefix = checkTaskArg('cancel', positionals)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const result = await client.cancelTask(await resolveTaskId(client, prefix))
  if (values.json === true) printJson(io, result)
  else io.stdout.write(`${result.taskId} ${result.status}\n`)
  return 0
}

/**
 * Every --input exists and no two share a name (each is /input/<name>), checked before the peer is
 * asked, so a typo costs no task.
 */
async function checkInputPaths (paths: string[]): Promise<void> {
  const names = new Map<string, string>()
  for (const path of paths) {
    try {
      await stat(path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `--input: ${path} does not exist` : `--input: cannot read ${path} (${code ?? String(err)})`)
    }
    const name = basename(path)
    const other = names.get(name)
    if (other !== undefined) throw new UsageError(`--input: ${other} and ${path} would both be /input/${name}; rename one`)
    names.set(name, path)
  }
}

export const MIN_TASK_PREFIX = 6

/** The single TASK positional, lower-cased; a UsageError unless it can be (a prefix of) a task id. */
export function checkTaskArg (command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`TASK: a task id is required (see: mcloud ${command} --help)`)
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (see: mcloud ${command} --help)`)
  const id = positionals[0]!.trim().toLowerCase()
  if (!/^[0-9a-f]+$/.test(id) || id.length < MIN_TASK_PREFIX || id.length > 64) {
    throw new UsageError(`TASK: expected a task id or a unique prefix of at least ${MIN_TASK_PREFIX} hex characters, got "${positionals[0]}"`)
  }
  return id
}

/** Expands a unique prefix to the full task id via listTasks. */
export async function resolveTaskId (client: ApiClient, prefix: string): Promise<string> {
  if (prefix.length === 64) return prefix
  const matches = (await client.listTasks()).filter((t) => t.taskId.startsWith(prefix))
  if (matches.length === 0) throw new CliError(`TASK: no task starts with "${prefix}"`)
  if (matches.length > 1) throw new UsageError(`TASK: "${prefix}" matches ${matches.length} tasks; give more characters`)
  return matches[0]!.taskId
}
