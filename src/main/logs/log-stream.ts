// The libp2p log-stream protocol: a submitter follows its task's output from whichever peer runs
// it and keeps its own copy, so nothing is lost when that peer goes away. Framing is JSON lines:
// the request {taskId, epoch}, then one LogLine per line, then {end: true}.
import type { PeerId } from '@libp2p/interface'
import { taskIdString, type LogLine } from '../../shared/index.js'
import { frame, jsonLines as lines, send } from '../p2p/index.js'
import type { LogBook } from './log-book.js'

export const LOG_PROTOCOL = '/mcloud/logs/1.0.0'
const MAX_REQUEST_BYTES = 1024

interface LogNode {
  handle: (protocol: string, handler: (stream: any) => void | Promise<void>, options?: object) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  dialProtocol: (peer: PeerId, protocol: string, options?: { signal?: AbortSignal, runOnLimitedConnection?: boolean }) => Promise<any>
}

export interface LogStreamComponents {
  node: LogNode
  logs: LogBook
  /** Subscribes to lines produced here for a task; returns the unsubscribe function. */
  onLocalLine: (listener: (line: LogLine) => void) => () => void
  /** Resolves when the task's run on this peer has ended (or at once if it is not running here). */
  runEnded: (taskId: string) => Promise<void>
}

export class LogStreamService {
  constructor (private readonly c: LogStreamComponents) {}

  async start (): Promise<void> {
    await this.c.node.handle(LOG_PROTOCOL, async (stream: any) => { await this.serve(stream) }, { runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.c.node.unhandle(LOG_PROTOCOL).catch(() => {})
  }

  /** Holder side: what is buffered, then live lines until the run here ends. */
  private async serve (stream: any): Promise<void> {
    try {
      const first = await lines(stream, MAX_REQUEST_BYTES)[Symbol.asyncIterator]().next()
      const taskId = taskIdString.safeParse((JSON.parse(first.value ?? '{}') as { taskId?: unknown }).taskId)
      if (!taskId.success) { await stream.close(); return }
      const id = taskId.data
      const queued: LogLine[] = []
      let wake: (() => void) | undefined
      const unsubscribe = this.c.onLocalLine(line => { if (line.taskId === id) { queued.push(line); wake?.() } })
      let ended = false
      void this.c.runEnded(id).then(() => { ended = true; wake?.() })
      try {
        // Subscribed before the snapshot, so no line falls between; the book stores the very
        // objects that are announced, so a line in both is dropped from the queue by identity.
        const snapshot = this.c.logs.lines(id)
        const sent = new Set(snapshot)
        for (const line of snapshot) await send(stream, frame(line))
        for (let i = queued.length - 1; i >= 0; i--) if (sent.has(queued[i]!)) queued.splice(i, 1)
        while (true) {
          while (queued.length > 0) await send(stream, frame(queued.shift()))
          if (ended) break
          await new Promise<void>(resolve => { wake = resolve })
          wake = undefined
        }
        await send(stream, frame({ end: true }))
      } finally {
        unsubscribe()
      }
      await stream.close()
    } catch {
      stream.abort?.(new Error('log stream failed'))
    }
  }

  /**
   * Follower side: follows `taskId` on `peer`, calling `onLine` for each line, until the run ends.
   * Resolves true when the holder said the run ended, false when the stream just stopped.
   */
  async follow (peer: PeerId, taskId: string, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<boolean> {
    // A relayed (limited) connection is fine for a log stream until the direct one is up.
    const stream = await this.c.node.dialProtocol(peer, LOG_PROTOCOL, { signal, runOnLimitedConnection: true })
    // Aborting also ends a stream whose holder went silent without closing it.
    const onAbort = (): void => { stream.abort?.(new Error('log follow aborted')) }
    signal?.addEventListener('abort', onAbort, { once: true })
    let ended = false
    try {
      await send(stream, frame({ taskId }))
      for await (const text of lines(stream, 64 * 1024)) {
        const value = JSON.parse(text) as LogLine | { end: true }
        if ('end' in value) { ended = true; break }
        if (value.taskId === taskId && typeof value.line === 'string') onLine(value)
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    await stream.close().catch(() => {})
    return ended
  }
}
