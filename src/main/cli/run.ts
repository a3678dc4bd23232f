// runCli: parses argv, runs one command, and maps every failure to a line on stderr + exit code.
import { ApiClientError, PeerNotRunningError } from '../api/index.js'
import { agentCommand, controlCommand, serveCommand } from './agent.js'
import { CliError, EXIT, firstLine } from './args.js'
import { getCommand } from './get.js'
import { readVersion, USAGE } from './help.js'
import { peersCommand, statusCommand } from './info.js'
import type { CliIo } from './io.js'
import { logsCommand } from './logs.js'
import { orgCommand } from './org.js'
import { reportCommand } from './report.js'
import { handBackCommand, SETTING_FLAGS, sharingCommand, whyCommand } from './sharing.js'
import { cancelCommand, flagForField, psCommand, submitCommand } from './tasks.js'
import { uiUrlCommand } from './ui-url.js'

export type { CliIo } from './io.js'

type Command = (argv: string[], io: CliIo) => Promise<number>

const COMMANDS: Record<string, Command> = {
  agent: agentCommand,
  serve: serveCommand,
  control: controlCommand,
  'ui-url': uiUrlCommand,
  status: statusCommand,
  peers: peersCommand,
  submit: submitCommand,
  ps: psCommand,
  logs: logsCommand,
  cancel: cancelCommand,
  get: getCommand,
  why: whyCommand,
  sharing: sharingCommand,
  'hand-back': handBackCommand,
  org: orgCommand,
  report: reportCommand
}

const wantsHelp = (argv: string[]): boolean => {
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv
  return flags.includes('--help') || flags.includes('-h')
}

/**
 * `mcloud --data-dir DIR CMD …` reads as `mcloud CMD --data-dir DIR …` (as `git -C DIR CMD` does):
 * people put the peer first. Placed right after the command, never behind a `--`.
 */
function dataDirFirst (argv: string[]): string[] {
  const [first, ...rest] = argv
  if (first === '--data-dir' && rest.length >= 2) return [rest[1]!, '--data-dir', rest[0]!, ...rest.slice(2)]
  if (first?.startsWith('--data-dir=') === true && rest.length >= 1) return [rest[0]!, first, ...rest.slice(1)]
  return argv
}

/** Runs the mcloud command line; resolves to the process exit code. */
export async function runCli (argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = dataDirFirst(argv)
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(USAGE.main + '\n')
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(readVersion() + '\n')
    return EXIT.ok
  }
  if (name === 'help') {
    const topic = rest[0] ?? 'main'
    const text = USAGE[topic]
    if (text === undefined) return fail(io, `unknown command "${topic}" (see: mcloud --help)`, EXIT.usage)
    io.stdout.write(text + '\n')
    return EXIT.ok
  }
  const command = COMMANDS[name]
  if (command === undefined) return fail(io, `unknown command "${name}" (see: mcloud --help)`, EXIT.usage)
  if (wantsHelp(rest)) {
    io.stdout.write(USAGE[name]! + '\n')
    return EXIT.ok
  }
  try {
    return await command(rest, io)
  } catch (err) {
    return reportError(io, err)
  }
}

function reportError (io: CliIo, err: unknown): number {
  if (err instanceof CliError) return fail(io, err.message, err.exitCode)
  if (err instanceof PeerNotRunningError) return fail(io, err.message, EXIT.noPeer)
  if (err instanceof ApiClientError) {
    if (err.name === 'ValidationError') {
      // The server says "<field>: <message>"; name the flag the user typed instead.
      const field = err.field ?? 'input'
      const message = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message
      return fail(io, `${SETTING_FLAGS[field] ?? flagForField(field)}: ${message}`, EXIT.usage)
    }
    const what = err.name === 'NotFoundError' ? 'not found' : err.name === 'UnauthorizedError' ? 'unauthorized' : 'error'
    return fail(io, `${what}: ${firstLine(err)}`, EXIT.error)
  }
  return fail(io, firstLine(err), EXIT.error)
}

function fail (io: CliIo, message: string, code: number): number {
  io.stderr.write(`mcloud: ${message}\n`)
  return code
}
