// mcloud logs TASK [--follow]: the buffered lines, then live lines until the task ends: from the
// peer's log relay (whichever peer runs the task, across re-claims), or from its events when the
// peer serves no relay.
import type { LogLine } from '../../shared/api.js'
import { isTerminal } from '../../shared/task-state.js'
import { ApiClientError, type ApiClient } from '../api/index.js'
import { CLIENT_OPTIONS, CliError, parseCommandArgs, resolveDataDir } from './args.js'
import { shortPeerId } from './format.js'
import { connect, printJson, type CliIo } from './io.js'
import { checkTaskArg, resolveTaskId } from './tasks.js'

const LOGS_OPTIONS = { ...CLIENT_OPTIONS, follow: { type: 'boolean', short: 'f' } } as const

export async function logsCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('logs', argv, LOGS_OPTIONS, true)
  const prefix = checkTaskArg('logs', positionals)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const taskId = await resolveTaskId(client, prefix)
  const json = values.json === true
  if (values.follow !== true) {
    const logs = await client.taskLogs(taskId)
    if (json) printJson(io, logs)
    else for (const line of logs.lines) printLine(io, line, false)
    return 0
  }
  if (!await followRelay(client, taskId, io, json)) await followLogs(client, taskId, io, json)
  return 0
}

/**
 * Follows the task through the peer's log relay; a re-claim is told on stderr (not with --json,
 * which prints only LogLines). False when the peer serves no relay.
 */
async function followRelay (client: ApiClient, taskId: string, io: CliIo, json: boolean): Promise<boolean> {
  let frames = 0
  try {
    await client.followTaskLogs(taskId, (frame) => {
      if (frame.type === 'line') printLine(io, frame.line, json)
      // The first frame says where the task is now; later ones are news.
      else if (frame.type === 'holder' && frames > 0 && frame.holder !== null && !json) {
        io.stderr.write(`[mcloud] epoch ${frame.epoch}: ${frame.status} on ${shortPeerId(frame.holder)}\n`)
      }
      frames++
    }, io.signal)
    return true
  } catch (err) {
    if (err instanceof ApiClientError && err.status === 404) return false
    throw err
  }
}

/** One line per log line; stdout to stdout, stderr and peer messages to stderr (like docker logs). */
function printLine (io: CliIo, line: LogLine, json: boolean): void {
  if (json) io.stdout.write(JSON.stringify(line) + '\n')
  else if (line.stream === 'stdout') io.stdout.write(line.line + '\n')
  else if (line.stream === 'stderr') io.stderr.write(line.line + '\n')
  else io.stderr.write(`[mcloud] ${line.line}\n`)
}

const lineKey = (l: LogLine): string => `${l.epoch}\u0000${l.at}\u0000${l.stream}\u0000${l.line}`

/**
 * Subscribes before reading the buffer so no line falls between the two; lines that arrive both
 * ways are printed once (same epoch, time, stream and text). With --json, prints one LogLine per line.
 */
async function followLogs (client: ApiClient, taskId: string, io: CliIo, json: boolean): Promise<void> {
  const printed = new Map<string, number>()
  const print = (line: LogLine): void => {
    const key = lineKey(line)
    printed.set(key, (printed.get(key) ?? 0) + 1)
    printLine(io, line, json)
  }
  /** Prints the lines of a full snapshot that have not been printed yet, keeping repeats. */
  const printMissing = (lines: LogLine[]): void => {
    const seen = new Map<string, number>()
    for (const line of lines) {
      const key = lineKey(line)
      const n = (seen.get(key) ?? 0) + 1
      seen.set(key, n)
      if (n > (printed.get(key) ?? 0)) print(line)
    }
  }

  let buffered: LogLine[] | undefined = []
  let finish!: (err?: Error) => void
  const finished = new Promise<void>((resolve, reject) => {
    finish = (err) => { if (err === undefined) resolve(); else reject(err) }
  })
  // It may settle while we still read the buffer; the await below sees the outcome.
  finished.catch(() => {})
  const unsubscribe = await client.openEvents((event) => {
    if (event.type === 'task:log' && event.line.taskId === taskId) {
      if (buffered !== undefined) buffered.push(event.line)
      else print(event.line)
    } else if (event.type === 'task:state' && event.task.taskId === taskId && isTerminal(event.task.status)) {
      finish()
    }
  }, { onClose: (err) => { finish(new CliError(`logs: the peer closed the event stream (${err?.message ?? 'closed'})`)) } })
  const onAbort = (): void => { finish() }
  io.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    printMissing((await client.taskLogs(taskId)).lines)
    const early = buffered
    buffered = undefined
    for (const line of early) if (!printed.has(lineKey(line))) print(line)
    if (isTerminal((await client.getTask(taskId)).status) || io.signal?.aborted === true) finish()
    await finished
    // Lines emitted just before the final state may reach the buffer after the event did.
    printMissing((await client.taskLogs(taskId)).lines)
  } finally {
    io.signal?.removeEventListener('abort', onAbort)
    unsubscribe()
  }
}
