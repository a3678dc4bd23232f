// The per-task log files of a LogBook: lazily opened append streams, batched writes, capped per
// file and in backlog, never throwing into the caller.
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs'
import { readdir, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import type { LogLine } from '../../shared/index.js'

const MiB = 1024 * 1024

export interface LogFilesOptions { maxBytes: number, maxOpen: number, idleMs: number, maxEntries: number, maxBacklog: number }

/** One task's file: what is on disk or queued for it, and its stream while open. */
interface TaskFile {
  taskId: string
  path: string
  stream: WriteStream | undefined
  /** Set while a closed stream finishes its writes; nothing is written to the file until then. */
  closing: Promise<void> | undefined
  size: number
  pending: string[]
  pendingBytes: number
  lastWrite: number
  cut: boolean
  failed: boolean
  /** Lines not written because the disk fell behind; told in the file once it catches up. */
  dropped: number
}

/** Pending text handed to the stream at once past this size, rather than at the next turn. */
const FLUSH_BYTES = 64 * 1024

/** Writes the per-task log files: lazily opened append streams, batched writes, never throws. */
export class LogFiles {
  private readonly files = new Map<string, TaskFile>()
  /** Bytes queued or handed to a stream and not yet written: append never waits for the disk, so this is bounded. */
  private backlog = 0
  private readonly dirty = new Set<TaskFile>()
  private openCount = 0
  private flushScheduled = false
  private sweeper: NodeJS.Timeout | undefined
  private dirMade = false
  private closed = false
  private readonly cutText: string
  private readonly cutBytes: number

  constructor (private readonly dir: string, private readonly o: LogFilesOptions, private readonly note: (taskId: string, text: string) => void) {
    this.cutText = `[log file cut at ${formatSize(o.maxBytes)}]`
    this.cutBytes = Buffer.byteLength(this.record(this.cutText))
  }

  write (line: LogLine): void {
    if (this.closed) return
    const file = this.fileOf(line.taskId)
    if (file.failed || file.cut) return
    file.lastWrite = performance.now()
    // one record per line, whatever a remote peer put in the text
    const text = line.line.includes('\n') ? line.line.replaceAll('\n', '\\n') : line.line
    const record = `${isoTime(line.at)} ${line.stream} ${text}\n`
    const bytes = Buffer.byteLength(record)
    // room is kept for the marker, so a cut file ends with it and stays within the cap
    if (file.size + bytes + this.cutBytes > this.o.maxBytes) {
      file.cut = true
      this.queue(file, this.record(this.cutText))
      return
    }
    if (this.backlog + bytes > this.o.maxBacklog) {
      file.dropped++
      return
    }
    if (file.dropped > 0) {
      const told = this.record(`[${file.dropped} lines not written here: the disk fell behind]`)
      file.dropped = 0
      if (file.size + Buffer.byteLength(told) + bytes + this.cutBytes <= this.o.maxBytes) this.queue(file, told)
    }
    this.queue(file, record)
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.sweeper)
    this.sweeper = undefined
    for (const file of this.files.values()) this.closeStream(file)
    // a file that was still closing writes what it queued meanwhile and closes again: wait for that too
    while ([...this.files.values()].some(f => f.closing !== undefined)) {
      await Promise.all([...this.files.values()].map(async f => { await f.closing }))
    }
  }

  private record (text: string): string { return `${isoTime(Date.now())} system ${text}\n` }

  private fileOf (taskId: string): TaskFile {
    let file = this.files.get(taskId)
    if (file !== undefined) return file
    if (this.files.size >= this.o.maxEntries) {
      const oldest = this.files.values().next().value as TaskFile
      this.closeStream(oldest)
      this.files.delete(oldest.taskId)
    }
    const filePath = path.join(this.dir, `${taskId.replace(/[^\w.-]/g, '_')}.log`)
    file = { taskId, path: filePath, stream: undefined, closing: undefined, size: 0, pending: [], pendingBytes: 0, lastWrite: 0, cut: false, failed: false, dropped: 0 }
    // a file from an earlier run of this task (another epoch, a restart) counts towards the cap;
    // one stat per task, not per line
    try {
      file.size = statSync(filePath).size
      file.cut = file.size + this.cutBytes > this.o.maxBytes
    } catch {
      // no file yet
    }
    this.files.set(taskId, file)
    return file
  }

  private queue (file: TaskFile, text: string): void {
    const bytes = Buffer.byteLength(text)
    file.pending.push(text)
    file.pendingBytes += bytes
    file.size += bytes
    this.backlog += bytes
    if (file.pendingBytes >= FLUSH_BYTES) { this.flush(file); return }
    this.dirty.add(file)
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      for (const f of this.dirty) this.flush(f)
      this.dirty.clear()
    })
  }

  private flush (file: TaskFile): void {
    if (file.pending.length === 0 || file.failed || file.closing !== undefined) return
    const stream = file.stream ?? this.open(file)
    if (stream === undefined) return
    const text = file.pending.join('')
    file.pending = []
    const bytes = file.pendingBytes
    file.pendingBytes = 0
    // called once written, or with an error when the stream is destroyed: either way no longer held
    stream.write(text, () => { this.backlog -= bytes })
  }

  private open (file: TaskFile): WriteStream | undefined {
    try {
      if (!this.dirMade) mkdirSync(this.dir, { recursive: true })
      this.dirMade = true
    } catch (err) {
      this.fail(file, err)
      return undefined
    }
    if (this.openCount >= this.o.maxOpen) {
      const open = [...this.files.values()].filter(f => f.stream !== undefined && f !== file)
      const lru = open.reduce<TaskFile | undefined>((a, b) => a === undefined || b.lastWrite < a.lastWrite ? b : a, undefined)
      if (lru !== undefined) this.closeStream(lru)
    }
    const stream = createWriteStream(file.path, { flags: 'a' })
    stream.on('error', err => { this.fail(file, err) })
    file.stream = stream
    this.openCount++
    if (!this.closed) this.sweeper ??= setInterval(() => { this.closeIdle() }, Math.max(1, this.o.idleMs / 2)).unref()
    return stream
  }

  private closeIdle (): void {
    const now = performance.now()
    for (const file of this.files.values()) if (file.stream !== undefined && now - file.lastWrite >= this.o.idleMs) this.closeStream(file)
    if (this.openCount === 0) { clearInterval(this.sweeper); this.sweeper = undefined }
  }

  /** Hands the stream what is pending and ends it; a later line reopens the file once it has finished. */
  private closeStream (file: TaskFile): void {
    this.flush(file)
    const stream = file.stream
    if (stream === undefined) return
    file.stream = undefined
    this.openCount--
    file.closing = new Promise<void>(resolve => {
      if (stream.closed) { resolve(); return }
      stream.once('close', resolve)
      stream.end()
    }).then(() => {
      file.closing = undefined
      if (file.pending.length === 0) return
      // lines queued meanwhile: written now; an entry evicted or a book closed meanwhile is not kept open
      if (!this.closed && this.files.get(file.taskId) === file) this.flush(file)
      else this.closeStream(file)
    })
  }

  /** The first write error of a file ends writing it, with a note in the task's log; never thrown. */
  private fail (file: TaskFile, err: unknown): void {
    if (file.failed) return
    file.failed = true
    file.pending = []
    this.backlog -= file.pendingBytes
    file.pendingBytes = 0
    if (file.stream !== undefined) {
      file.stream.destroy()
      file.stream = undefined
      this.openCount--
    }
    this.note(file.taskId, `log file ${file.path} could not be written (${(err as Error).message}); this task's lines stay in memory only`)
  }
}

/** ISO time of `at`, or of now when `at` is not a date (a remote peer's line must not break the file). */
function isoTime (at: number): string {
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString()
}

function formatSize (bytes: number): string {
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} bytes`
}

/** Deletes log files in `dir` not written for `maxAgeMs`; returns how many went. A missing dir is fine. */
export async function pruneLogFiles (dir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let names: string[]
  try { names = await readdir(dir) } catch { return 0 }
  let removed = 0
  for (const name of names) {
    if (!name.endsWith('.log')) continue
    const file = path.join(dir, name)
    try {
      if (now - (await stat(file)).mtimeMs > maxAgeMs) { await unlink(file); removed++ }
    } catch { /* gone meanwhile or not ours to delete */ }
  }
  return removed
}
