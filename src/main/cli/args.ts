// Argument parsing for mcloud: node:util parseArgs, with every failure turned into one line that
// names the flag (exit code 2).
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'

export const EXIT = { ok: 0, error: 1, usage: 2, noPeer: 3 } as const

/** A failure the CLI reports as `mcloud: <message>` with its own exit code. */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number
  constructor (message: string, exitCode: number = EXIT.error) {
    super(message)
    this.exitCode = exitCode
  }
}

/** Bad input on the command line: exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError'
  constructor (message: string) {
    super(message, EXIT.usage)
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

export interface CliEnv { [name: string]: string | undefined }

/** Options every client command accepts. */
export const CLIENT_OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies OptionSpec

export const DEFAULT_DATA_DIR_NAME = '.mutual-cloud'

/** The npm scripts that run this CLI (package.json): npm starts them in the package's folder. */
const CLI_SCRIPTS = new Set(['mcloud', 'agent', 'serve'])

/**
 * A path the user typed, made absolute against the folder they typed it in. `npm run mcloud -- …`
 * runs in the package's folder and says where the user was in INIT_CWD; only trusted when npm
 * started this very script (a process spawned from another npm script inherits INIT_CWD too).
 */
export function userPath (path: string, env: CliEnv = process.env): string {
  const fromNpm = env.npm_lifecycle_event !== undefined && CLI_SCRIPTS.has(env.npm_lifecycle_event) && env.INIT_CWD !== undefined
  return resolve(fromNpm ? env.INIT_CWD! : process.cwd(), path)
}

/** --data-dir, else MCLOUD_DATA_DIR, else ~/.mutual-cloud; always absolute. */
export function resolveDataDir (flag: string | undefined, env: CliEnv): string {
  const raw = flag ?? env.MCLOUD_DATA_DIR ?? ''
  if (flag !== undefined && flag.trim() === '') throw new UsageError('--data-dir: expected a directory')
  if (raw.trim() === '') return resolve(homedir(), DEFAULT_DATA_DIR_NAME)
  if (raw === '~' || raw.startsWith('~/')) return resolve(homedir(), raw.slice(2))
  return userPath(raw, env)
}

/**
 * parseArgs with one-line errors. A value that looks like a negative number ("--cpu -1") is
 * taken as the flag's value so the range check, not the parser, reports it.
 */
export function parseCommandArgs<T extends OptionSpec> (
  command: string, argv: string[], options: T, allowPositionals: boolean
): { values: ReturnType<typeof parseArgs<{ options: T, allowPositionals: boolean, strict: true }>>['values'], positionals: string[] } {
  const normalized: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      normalized.push(`${arg}=${next}`)
      i++
    } else {
      normalized.push(arg)
    }
  }
  try {
    const { values, positionals } = parseArgs({ args: normalized, options, allowPositionals, strict: true })
    return { values, positionals }
  } catch (err) {
    throw new UsageError(describeParseError(command, err))
  }
}

function describeParseError (command: string, err: unknown): string {
  const e = err as { code?: string, message?: string }
  const message = e.message ?? String(err)
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? ''
  const flag = quoted.split(' ')[0] ?? quoted
  const help = `(see: mcloud ${command} --help)`
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${flag}: unknown option ${help}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.includes('argument missing') || message.includes('ambiguous')
        ? `${flag}: expected a value`
        : `${flag}: does not take a value`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" ${help}`
    default:
      return `${message.split('\n')[0]} ${help}`
  }
}

/** A non-negative decimal number, or a UsageError naming the flag. */
export function parseNumberFlag (flag: string, text: string, what = 'a number'): number {
  if (!/^-?\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`${flag}: expected ${what}, got "${text}"`)
  return Number(text)
}

/** A whole number within [min, max], or a UsageError naming the flag. */
export function parseIntFlag (flag: string, text: string, min: number, max: number): number {
  const n = parseNumberFlag(flag, text, 'a whole number')
  if (!Number.isInteger(n)) throw new UsageError(`${flag}: expected a whole number, got "${text}"`)
  if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}`)
  return n
}

/** First line of an error message, for one-line reports. */
export const firstLine = (err: unknown): string =>
  ((err as Error)?.message ?? String(err)).split('\n')[0]!.trim()
