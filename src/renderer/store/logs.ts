// The selected task's log, capped so a chatty task cannot exhaust the page's memory.
//
// Lines live in an append-only backing array shared by successive TaskLog values, each of which
// sees the window buffer[start, start + count). Appending pushes in place (no copy of 100,000
// lines per flush) and returns a new TaskLog, so React still sees each change by identity and
// older values keep showing what they showed — like Go's append on a slice with spare capacity.
import type { LogLine } from '../../shared/api.js'

/** Most lines kept per task; older lines are dropped first. */
export const LOG_LINE_CAP = 100_000

export interface TaskLog {
  taskId: string
  /** Backing array; read lines through logLine()/logLines(), never past this log's window. */
  readonly buffer: LogLine[]
  readonly start: number
  /** Lines in this log (after the cap). */
  readonly count: number
  /** Lines dropped from the front to respect the cap. */
  dropped: number
  /** The first snapshot (taskLogs) has not arrived yet. */
  loading: boolean
  error: string | undefined
  /** The task ended and its log will not grow. */
  complete: boolean
}

export const emptyLog = (taskId: string): TaskLog =>
  ({ taskId, buffer: [], start: 0, count: 0, dropped: 0, loading: true, error: undefined, complete: false })

/** Line `i` (0 = the oldest kept). */
export const logLine = (log: TaskLog, i: number): LogLine | undefined =>
  i >= 0 && i < log.count ? log.buffer[log.start + i] : undefined

/** A copy of the log's lines (tests and small logs; views index with logLine). */
export const logLines = (log: TaskLog): LogLine[] => log.buffer.slice(log.start, log.start + log.count)

/** Appends lines, dropping the oldest beyond `cap`. */
export function appendLogLines (log: TaskLog, incoming: readonly LogLine[], cap = LOG_LINE_CAP): TaskLog {
  if (incoming.length === 0) return log
  let { buffer, start } = log
  // Another value already appended past this one's end: appending in place would overwrite
  // lines it shows, so this (rare) branch copies first.
  if (start + log.count !== buffer.length) {
    buffer = buffer.slice(start, start + log.count)
    start = 0
  }
  for (const line of incoming) buffer.push(line)
  let count = log.count + incoming.length
  const excess = Math.max(0, count - cap)
  start += excess
  count -= excess
  // Compact once the dropped prefix is as long as the cap: memory stays under 2× the cap and the
  // copy happens once per `cap` lines, not on every flush.
  if (start >= cap) {
    buffer = buffer.slice(start)
    start = 0
  }
  return { ...log, buffer, start, count, dropped: log.dropped + excess }
}

/** Identifies a line for de-duplication (a replayed buffer, a snapshot overlapping live lines). */
export const lineKey = (l: LogLine): string => `${l.epoch}\u0000${l.at}\u0000${l.stream}\u0000${l.line}`

/**
 * The candidates that `held` does not already contain, compared as a multiset (a line printed
 * twice on purpose survives). Only held lines from the candidates' earliest time on can overlap.
 */
function linesNotIn (held: (i: number) => LogLine | undefined, heldCount: number, candidates: readonly LogLine[]): LogLine[] {
  if (candidates.length === 0) return []
  let earliest = Infinity
  for (const l of candidates) earliest = Math.min(earliest, l.at)
  const seen = new Map<string, number>()
  for (let i = heldCount - 1; i >= 0; i--) {
    const line = held(i)!
    if (line.at < earliest) break
    const key = lineKey(line)
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  return candidates.filter((l) => {
    const key = lineKey(l)
    const n = seen.get(key) ?? 0
    if (n === 0) return true
    seen.set(key, n - 1)
    return false
  })
}

/** Joins the taskLogs snapshot with the live lines that arrived while it was being fetched. */
export function mergeLogSnapshot (snapshot: readonly LogLine[], live: readonly LogLine[]): LogLine[] {
  return snapshot.concat(linesNotIn((i) => snapshot[i], snapshot.length, live))
}

/**
 * Re-reading a log this page already follows (after a reconnect): the peer keeps only its last
 * few thousand lines, so the snapshot must extend what is here, never replace it.
 */
export function extendLog (log: TaskLog, snapshot: readonly LogLine[], live: readonly LogLine[], complete: boolean, cap = LOG_LINE_CAP): TaskLog {
  const fresh = linesNotIn((i) => logLine(log, i), log.count, mergeLogSnapshot(snapshot, live))
  // No line of the snapshot was already here: what was printed between the two may be lost.
  const gap = log.count > 0 && snapshot.length > 0 && fresh.length >= snapshot.length
  const first = fresh[0]
  const marker: LogLine[] = gap && first !== undefined
    ? [{ taskId: log.taskId, epoch: first.epoch, stream: 'system', line: '… lines may be missing here (printed while this page was not connected)', at: first.at }]
    : []
  return { ...appendLogLines(log, marker.concat(fresh), cap), loading: false, error: undefined, complete }
}

/** Builds the log from a snapshot plus the live lines buffered during the fetch. */
export function logFromSnapshot (taskId: string, snapshot: readonly LogLine[], live: readonly LogLine[], complete: boolean, cap = LOG_LINE_CAP): TaskLog {
  const merged = mergeLogSnapshot(snapshot, live)
  const excess = Math.max(0, merged.length - cap)
  const buffer = excess > 0 ? merged.slice(excess) : merged
  return { taskId, buffer, start: 0, count: buffer.length, dropped: excess, loading: false, error: undefined, complete }
}
