// Per-task log buffers: rings bounded in lines and bytes, per task and in total, so a log flood
// never grows the peer past its bound; with `dir`, every line also goes to `<dir>/<taskId>.log`
// (capped), so the full output of a long run outlives the rings.
import type { LogLine } from '../../shared/index.js'
import { LogFiles } from './log-files.js'

const MiB = 1024 * 1024

export interface LogBookInit {
  /** Lines kept per task. Default 5,000. */
  maxLinesPerTask?: number
  /** Bytes of line text (UTF-8) kept per task; its oldest lines go first. Default 2 MiB. */
  maxBytesPerTask?: number
  /** Tasks whose logs are kept; the oldest is dropped first. Default 500. */
  maxTasks?: number
  /** Bytes of line text kept across all tasks; the oldest task's lines are dropped first. Default 64 MiB. */
  maxBytesTotal?: number
  /** Longest line kept; longer ones are cut with a marker. Default 8 KiB. */
  maxLineLength?: number
  /** Folder of the per-task files `<taskId>.log`, one `<ISO time> <stream> <line>` per line. Default: no files. */
  dir?: string
  /** Largest log file per task; past it one cut marker line is written and the rest dropped. Default 64 MiB. */
  maxFileBytes?: number
  /** Log files open at once; the least recently written one is closed first. Default 32. */
  maxOpenFiles?: number
  /** A log file not written for this long is closed (and reopened by the next line). Default 30 s. */
  fileIdleMs?: number
  /** Bytes waiting for the disk, all files together, past which lines are dropped (and counted) instead. Default 16 MiB. */
  fileBacklogBytes?: number
}

export class LogBook {
  private readonly rings = new Map<string, Ring>()
  private readonly maxLines: number
  private readonly maxTasks: number
  private readonly maxLineLength: number
  private readonly maxTotalBytes: number
  // never above the total: the newest task alone always fits once older ones are dropped
  private readonly maxTaskBytes: number
  private totalBytes = 0
  private readonly files: LogFiles | undefined

  constructor (init: LogBookInit = {}) {
    this.maxLines = init.maxLinesPerTask ?? 5000
    this.maxTasks = init.maxTasks ?? 500
    this.maxLineLength = init.maxLineLength ?? 8192
    this.maxTotalBytes = init.maxBytesTotal ?? 64 * MiB
    this.maxTaskBytes = Math.min(init.maxBytesPerTask ?? 2 * MiB, this.maxTotalBytes)
    if (init.dir !== undefined) {
      this.files = new LogFiles(init.dir, {
        maxBytes: init.maxFileBytes ?? 64 * MiB,
        maxOpen: init.maxOpenFiles ?? 32,
        idleMs: init.fileIdleMs ?? 30_000,
        maxEntries: this.maxTasks,
        maxBacklog: init.fileBacklogBytes ?? 16 * MiB
      }, (taskId, text) => { this.note(taskId, text) })
    }
  }

  append (line: LogLine): LogLine {
    const kept = line.line.length > this.maxLineLength
      ? { ...line, line: `${line.line.slice(0, this.maxLineLength)} …[cut ${line.line.length - this.maxLineLength} chars]` }
      : line
    this.keep(kept)
    this.files?.write(kept)
    return kept
  }

  lines (taskId: string): LogLine[] {
    return this.rings.get(taskId)?.toArray() ?? []
  }

  /** Flushes and closes the log files; lines appended later are kept in memory only. */
  async close (): Promise<void> {
    await this.files?.close()
  }

  private keep (line: LogLine): void {
    const bytes = Buffer.byteLength(line.line)
    let ring = this.rings.get(line.taskId)
    if (ring === undefined) {
      if (this.rings.size >= this.maxTasks) this.dropOldestTask()
      ring = new Ring()
      this.rings.set(line.taskId, ring)
    }
    ring.push(line, bytes)
    this.totalBytes += bytes
    while (ring.length > 1 && (ring.length > this.maxLines || ring.bytes > this.maxTaskBytes)) this.totalBytes -= ring.shift()
    while (this.totalBytes > this.maxTotalBytes && this.rings.size > 1) this.dropOldestTask()
  }

  /** Drops the ring created first (Map order); never the only one left. */
  private dropOldestTask (): void {
    const [taskId, ring] = this.rings.entries().next().value as [string, Ring]
    this.rings.delete(taskId)
    this.totalBytes -= ring.bytes
  }

  /** A line of our own about the task's log (e.g. its file failed), kept in memory only. */
  private note (taskId: string, text: string): void {
    const last = this.rings.get(taskId)?.last()
    this.keep({ taskId, epoch: last?.epoch ?? 0, stream: 'system', line: text, at: Date.now() })
  }
}

/** One task's lines, oldest first; dropping from the front is O(1) amortised (no splice per line). */
class Ring {
  private items: Array<LogLine | undefined> = []
  private sizes: number[] = []
  private head = 0
  bytes = 0

  get length (): number { return this.items.length - this.head }

  push (line: LogLine, bytes: number): void {
    this.items.push(line)
    this.sizes.push(bytes)
    this.bytes += bytes
  }

  /** Drops the oldest line; returns its size. */
  shift (): number {
    const size = this.sizes[this.head] ?? 0
    this.items[this.head] = undefined
    this.head++
    this.bytes -= size
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.head = 0
    }
    return size
  }

  last (): LogLine | undefined { return this.length > 0 ? this.items[this.items.length - 1] : undefined }

  toArray (): LogLine[] { return this.items.slice(this.head) as LogLine[] }
}
