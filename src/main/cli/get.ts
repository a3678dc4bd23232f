// mcloud get TASK [DIR]: fetches a finished task's outputs from whichever peer holds them into a
// folder on this machine, showing the transfer's progress from the peer's events on stderr.
import type { ApiEvent, TaskView } from '../../shared/api.js'
import { formatBytes, formatProgress } from '../../shared/byte-format.js'
import { isTerminal } from '../../shared/task-state.js'
import type { ApiClient } from '../api/index.js'
import { CLIENT_OPTIONS, CliError, parseCommandArgs, resolveDataDir, UsageError, userPath } from './args.js'
import { shortTaskId } from './format.js'
import { connect, printJson, type CliIo } from './io.js'
import { checkTaskArg, resolveTaskId } from './tasks.js'

/** How often progress is redrawn on a terminal, and printed as a new line elsewhere (a log file). */
const TTY_REDRAW_MS = 100
const PLAIN_LINE_MS = 1000

export async function getCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('get', argv, CLIENT_OPTIONS, true)
  if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}" (see: mcloud get --help)`)
  const prefix = checkTaskArg('get', positionals.slice(0, 1))
  const dirArg = positionals[1]
  if (dirArg !== undefined && dirArg.trim() === '') throw new UsageError('DIR: expected a folder')
  // The peer runs on this machine and writes there: give it an absolute path, not the shell's relative one.
  const dir = dirArg === undefined ? undefined : userPath(dirArg, io.env)
  const json = values.json === true

  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const taskId = await resolveTaskId(client, prefix)
  checkHasOutputs(await client.getTask(taskId))

  const progress = json ? undefined : new ProgressLine(io, `outputs of ${shortTaskId(taskId)}`)
  const stopEvents = progress === undefined ? undefined : await followProgress(client, taskId, progress)
  try {
    const result = await client.downloadOutputs(taskId, dir === undefined ? {} : { dir }, { signal: io.signal })
    progress?.finish(result.bytes)
    if (json) printJson(io, result)
    else io.stdout.write(`saved ${formatBytes(result.bytes)} of outputs of ${shortTaskId(taskId)} to ${result.dir}\n`)
  } finally {
    progress?.end()
    stopEvents?.()
  }
  return 0
}

/** The clear refusals: asking the peer for what cannot exist would only say so less plainly. */
function checkHasOutputs (task: TaskView): void {
  const id = shortTaskId(task.taskId)
  if (!isTerminal(task.status)) {
    throw new CliError(`task ${id} has not finished (${task.status}); its outputs come when it ends (wait with: mcloud logs -f ${id})`)
  }
  if (task.resultCid === null) {
    throw new CliError(task.status === 'cancelled'
      ? `task ${id} was cancelled; it has no outputs`
      : `task ${id} has no outputs (it ${task.status} and left nothing in /output)`)
  }
}

/** Subscribes to the task's outputs progress; best effort: without events the download still runs. */
async function followProgress (client: ApiClient, taskId: string, progress: ProgressLine): Promise<(() => void) | undefined> {
  const onEvent = (event: ApiEvent): void => {
    if (event.type === 'transfer:progress' && event.taskId === taskId && event.direction === 'outputs' && event.error === undefined) {
      progress.update(event.bytes, event.total)
    }
  }
  try {
    return await client.openEvents(onEvent)
  } catch {
    return undefined
  }
}

/**
 * "outputs of 1a2b3c4d5e6f: 12.3 MB / 40.0 MB" on stderr (stdout keeps the result, for scripts):
 * redrawn in place on a terminal, else a plain line at most once a second.
 */
export class ProgressLine {
  private shownAt = -Infinity
  private drawn = false
  private last: string | undefined

  constructor (private readonly io: CliIo, private readonly label: string) {}

  update (bytes: number, total: number | null, now = Date.now()): void {
    const text = `${this.label}: ${formatProgress(bytes, total)}`
    if (text === this.last) return
    const tty = this.io.stderr.isTTY === true
    if (now - this.shownAt < (tty ? TTY_REDRAW_MS : PLAIN_LINE_MS) && !(total !== null && bytes >= total)) return
    this.shownAt = now
    this.last = text
    if (tty) {
      this.io.stderr.write(`\r${text}\u001b[K`)
      this.drawn = true
    } else {
      this.io.stderr.write(text + '\n')
    }
  }

  /** Shows the full size once the peer says it is done (its last event may come after its answer). */
  finish (bytes: number): void {
    this.update(bytes, bytes)
  }

  /** Ends a redrawn line so what follows starts on its own. */
  end (): void {
    if (this.drawn) this.io.stderr.write('\n')
    this.drawn = false
  }
}
