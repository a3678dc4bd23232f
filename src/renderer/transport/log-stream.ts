// The live log relay's client (WS /api/tasks/:id/logs): one socket per followed task, reopened
// with back-off when it drops before the task ended. Frames are handed on in arrival order; the
// store deduplicates the buffered lines a reopened socket sends again.
import type { LogLine } from '../../shared/api.js'
import type { LogStreamFrame } from '../../shared/control-api.js'
import { reconnectDelayMs } from './backoff.js'

export type LogStreamState =
  /** The socket is open; `reopened` on the second and later opens (the server replays its buffer). */
  | { kind: 'open', reopened: boolean }
  /** It dropped before the task ended: reconnecting. */
  | { kind: 'retrying' }
  /** Done for good: the task ended, the server refused the task, or stop() was called. */
  | { kind: 'closed' }

export interface LogStreamInit {
  /** ws(s)://host/api/tasks/<id>/logs?token=… */
  url: string
  onFrames: (frames: LogStreamFrame[]) => void
  onState: (state: LogStreamState) => void
}

export interface LogStreamHandle { stop: () => void }

// Close codes the server uses after an 'error' frame (bad or unknown task): retrying cannot help.
const FINAL_CLOSE_CODES = new Set([4400, 4404])

export function openLogStream (init: LogStreamInit): LogStreamHandle {
  let socket: WebSocket | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  let opens = 0
  let finished = false

  const finish = (): void => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    init.onState({ kind: 'closed' })
  }

  const retry = (): void => {
    if (finished) return
    init.onState({ kind: 'retrying' })
    timer = setTimeout(open, reconnectDelayMs(attempt))
    attempt += 1
  }

  function open (): void {
    let ws: WebSocket
    try {
      ws = new WebSocket(init.url)
    } catch {
      retry()
      return
    }
    socket = ws
    ws.onopen = () => {
      attempt = 0
      opens += 1
      init.onState({ kind: 'open', reopened: opens > 1 })
    }
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      const frames = parseLogStreamFrames(message.data)
      if (frames.length > 0) init.onFrames(frames)
      // After 'end' or 'error' the server closes; nothing more will come for this task.
      if (frames.some((f) => f.type === 'end' || f.type === 'error')) {
        socket = undefined
        ws.close()
        finish()
      }
    }
    ws.onclose = (event) => {
      if (socket !== ws) return
      socket = undefined
      if (FINAL_CLOSE_CODES.has(event.code)) finish()
      else retry()
    }
  }

  open()
  return {
    stop: () => {
      const ws = socket
      socket = undefined
      ws?.close()
      finish()
    }
  }
}

const STREAMS: ReadonlySet<string> = new Set(['stdout', 'stderr', 'system'])
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): v is string => typeof v === 'string'
const isNullable = <T>(v: unknown, check: (x: unknown) => x is T): v is T | null => v === null || check(v)

function isLogLine (v: unknown): v is LogLine {
  const l = v as Partial<LogLine> | null
  return l !== null && typeof l === 'object' && isStr(l.taskId) && isNum(l.epoch) && isStr(l.line) && isNum(l.at) &&
    isStr(l.stream) && STREAMS.has(l.stream)
}

/** Checks one decoded frame's shape; anything else is dropped rather than trusted. */
function asFrame (v: unknown): LogStreamFrame | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const f = v as Record<string, unknown>
  switch (f.type) {
    case 'line': return isLogLine(f.line) ? { type: 'line', line: f.line } : undefined
    case 'holder':
      return isNullable(f.holder, isStr) && isNum(f.epoch) && isStr(f.status)
        ? { type: 'holder', holder: f.holder, epoch: f.epoch, status: f.status as never }
        : undefined
    case 'end':
      return isStr(f.status) && isNullable(f.exitCode, isNum) && isNullable(f.error, isStr)
        ? { type: 'end', status: f.status as never, exitCode: f.exitCode, error: f.error }
        : undefined
    case 'error':
      return isStr(f.name) && isStr(f.message)
        ? { type: 'error', name: f.name, message: f.message, ...(isStr(f.field) ? { field: f.field } : {}) }
        : undefined
    default: return undefined
  }
}

/** The frames of one WebSocket text message: one frame, or an array of frames; malformed ones are skipped. */
export function parseLogStreamFrames (text: string): LogStreamFrame[] {
  let decoded: unknown
  try {
    decoded = JSON.parse(text)
  } catch {
    return []
  }
  const out: LogStreamFrame[] = []
  for (const item of Array.isArray(decoded) ? decoded : [decoded]) {
    const frame = asFrame(item)
    if (frame !== undefined) out.push(frame)
  }
  return out
}
