// Per-task log buffers: bounded rings so a log flood never grows the peer past its bound.
import type { LogLine } from '../../shared/index.js'

export interface LogBookInit {
  /** Lines kept per task. Default 5,000. */
  maxLinesPerTask?: number
  /** Tasks whose logs are kept; the oldest is dropped first. Default 500. */
  maxTasks?: number
  /** Longest line kept; longer ones are cut with a marker. Default 8 KiB. */
  maxLineLength?: number
}

export class LogBook {
  private readonly rings = new Map<string, LogLine[]>()
  private readonly maxLines: number
  private readonly maxTasks: number
  private readonly maxLineLength: number

  constructor (init: LogBookInit = {}) {
    this.maxLines = init.maxLinesPerTask ?? 5000
    this.maxTasks = init.maxTasks ?? 500
    this.maxLineLength = init.maxLineLength ?? 8192
  }

  append (line: LogLine): LogLine {
    const kept = line.line.length > this.maxLineLength
      ? { ...line, line: `${line.line.slice(0, this.maxLineLength)} …[cut ${line.line.length - this.maxLineLength} chars]` }
      : line
    let ring = this.rings.get(line.taskId)
    if (ring === undefined) {
      if (this.rings.size >= this.maxTasks) this.rings.delete(this.rings.keys().next().value as string)
      ring = []
      this.rings.set(line.taskId, ring)
    }
    ring.push(kept)
    if (ring.length > this.maxLines) ring.splice(0, ring.length - this.maxLines)
    return kept
  }

  lines (taskId: string): LogLine[] {
    return [...(this.rings.get(taskId) ?? [])]
  }
}
