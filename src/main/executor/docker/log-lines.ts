// Splits a byte stream into lines for TaskRun.onLog, holding at most LOG_LINE_MAX_BYTES per stream:
// a longer line is emitted cut with a marker and the rest of it is dropped up to the next newline.
import { Writable } from 'node:stream'
import { LOG_LINE_CUT_MARKER, LOG_LINE_MAX_BYTES } from './constants.js'

const NEWLINE = 0x0a

export class LogLineWriter extends Writable {
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** True while dropping the tail of a line that was already emitted cut. */
  private skipping = false

  constructor (private readonly onLine: (line: string) => void, private readonly maxBytes = LOG_LINE_MAX_BYTES) {
    super()
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start)
      const end = nl === -1 ? chunk.length : nl
      // the common case, a whole line inside this chunk, is decoded in place: no copy, no concat
      if (nl !== -1 && this.pendingBytes === 0 && !this.skipping && end - start <= this.maxBytes) {
        this.deliver(chunk.toString('utf8', start, end), false)
        start = nl + 1
        continue
      }
      this.append(chunk.subarray(start, end))
      if (nl === -1) break
      if (this.skipping) this.skipping = false
      else this.flushLine(false)
      start = nl + 1
    }
    callback()
  }

  override _final (callback: (error?: Error | null) => void): void {
    if (this.pendingBytes > 0 && !this.skipping) this.flushLine(false)
    callback()
  }

  private append (part: Buffer): void {
    if (this.skipping || part.length === 0) return
    const room = this.maxBytes - this.pendingBytes
    if (part.length <= room) {
      // copy: a view would keep the whole attach chunk alive while the line waits for its end
      this.pending.push(Buffer.from(part))
      this.pendingBytes += part.length
      return
    }
    this.pending.push(Buffer.from(part.subarray(0, room)))
    this.pendingBytes += room
    this.flushLine(true)
    this.skipping = true
  }

  private flushLine (cut: boolean): void {
    const line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8')
    this.pending = []
    this.pendingBytes = 0
    this.deliver(line, cut)
  }

  private deliver (line: string, cut: boolean): void {
    if (line.endsWith('\r')) line = line.slice(0, -1)
    this.onLine(cut ? line + LOG_LINE_CUT_MARKER : line)
  }
}
