// The dashboard's live log of one task, fed by the relay's frames (transport/log-stream.ts): lines,
// a note whenever another peer takes the task over, and the final status. Pure, so tests can
// replay frame sequences.
import type { LogLine } from '../../shared/api.js'
import type { LogStreamFrame } from '../../shared/control-api.js'
import type { TaskStatus } from '../../shared/schemas.js'
import { appendLogLines, emptyLog, lineKey, logLine, type TaskLog } from './logs.js'

export interface RelayHolder { peerId: string | null, epoch: number, status: TaskStatus }
export interface RelayEnd { status: TaskStatus, exitCode: number | null, error: string | null }

export type RelayConnection = 'connecting' | 'open' | 'retrying' | 'closed'

export interface RelayView {
  taskId: string
  log: TaskLog
  /** The holder the last 'holder' frame named. */
  holder: RelayHolder | null
  /** Set by the 'end' frame: the task finished and its log is complete. */
  end: RelayEnd | null
  /** The relay refused to follow this task (an 'error' frame). */
  error: string | null
  connection: RelayConnection
  /**
   * After a reopen the server sends its buffered lines again. Those already held (counted by key,
   * so a line printed twice on purpose survives) are skipped until the first line that is new.
   */
  replay: ReadonlyMap<string, number> | null
}

export function startRelay (taskId: string): RelayView {
  return { taskId, log: { ...emptyLog(taskId), loading: false }, holder: null, end: null, error: null, connection: 'connecting', replay: null }
}

export function relayConnection (view: RelayView, connection: RelayConnection): RelayView {
  return view.connection === connection ? view : { ...view, connection }
}

/** The socket opened again after a drop: remember what is held so the replayed buffer is not shown twice. */
export function relayReopened (view: RelayView): RelayView {
  const held = new Map<string, number>()
  for (let i = 0; i < view.log.count; i++) {
    const key = lineKey(logLine(view.log, i)!)
    held.set(key, (held.get(key) ?? 0) + 1)
  }
  return { ...view, connection: 'open', replay: held.size === 0 ? null : held }
}

/** The note a holder frame adds to the log; names come from `nameOf` (the nodes table). */
export function holderNote (holder: RelayHolder, nameOf: (peerId: string) => string): string {
  return holder.peerId === null
    ? `— waiting for a peer (${holder.status}) —`
    : `— now on ${nameOf(holder.peerId)} (epoch ${holder.epoch}) —`
}

export function endNote (end: RelayEnd): string {
  const exit = end.exitCode === null ? '' : ` with exit code ${end.exitCode}`
  return `— ${end.status}${exit}${end.error === null ? '' : `: ${end.error}`} —`
}

/** Applies frames in order; `now` stamps the notes this page adds. */
export function applyRelayFrames (view: RelayView, frames: readonly LogStreamFrame[], nameOf: (peerId: string) => string, now: number): RelayView {
  if (frames.length === 0) return view
  let { holder, end, error, replay } = view
  let counts: Map<string, number> | null = null
  const lines: LogLine[] = []
  const note = (epoch: number, line: string): void => {
    lines.push({ taskId: view.taskId, epoch, stream: 'system', line, at: now })
  }
  for (const frame of frames) {
    switch (frame.type) {
      case 'line': {
        if (frame.line.taskId !== view.taskId) break
        if (replay !== null) {
          counts ??= new Map(replay)
          const key = lineKey(frame.line)
          const n = counts.get(key) ?? 0
          if (n > 0) {
            counts.set(key, n - 1)
            break
          }
          // The first line not held: the replayed part is over.
          replay = null
          counts = null
        }
        lines.push(frame.line)
        break
      }
      case 'holder': {
        const next: RelayHolder = { peerId: frame.holder, epoch: frame.epoch, status: frame.status }
        // A reopened socket repeats the current holder; only a change is worth a note.
        if (holder === null || holder.peerId !== next.peerId || holder.epoch !== next.epoch) note(next.epoch, holderNote(next, nameOf))
        holder = next
        break
      }
      case 'end':
        if (end === null) {
          end = { status: frame.status, exitCode: frame.exitCode, error: frame.error }
          note(holder?.epoch ?? 0, endNote(end))
        }
        break
      case 'error':
        error = frame.message
        break
    }
  }
  if (replay !== null && counts !== null) replay = counts
  let log = appendLogLines(view.log, lines)
  if (end !== null && !log.complete) log = { ...log, complete: true }
  return { ...view, log, holder, end, error, replay }
}

/** The line above the live log: where the task is now, or how it ended, and whether the relay is connected. */
export function relayStatusText (view: RelayView, nameOf: (peerId: string) => string): string {
  if (view.end !== null) {
    const exit = view.end.exitCode === null ? '' : ` (exit code ${view.end.exitCode})`
    return `Ended: ${view.end.status}${exit}`
  }
  if (view.error !== null) return 'Not following this task'
  const where = view.holder === null
    ? (view.connection === 'connecting' ? 'Connecting to the log relay…' : 'Waiting for the task\'s state')
    : view.holder.peerId === null
      ? `Waiting for a peer (${view.holder.status})`
      // Not its status: the relay sends a holder frame per re-claim, not per leased → running step.
      : `Now on ${nameOf(view.holder.peerId)} (epoch ${view.holder.epoch})`
  if (view.connection === 'retrying') return `${where} · the log relay dropped, reconnecting…`
  if (view.connection === 'closed' && view.holder !== null) return `${where} · not following any more`
  return where
}
