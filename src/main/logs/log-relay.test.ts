import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { LogLine, LogStreamFrame, TaskStatus, TaskView } from '../../shared/index.js'
import { LogBook } from './log-book.js'
import { LogRelay } from './log-relay.js'

const SELF = 'self-peer'
const TASK = 'a'.repeat(64)

/** A peer running the task: what it has buffered, and the streams following it. */
class FakeHolder {
  buffer: LogLine[] = []
  /** 'silent': accepts the stream and never sends or ends it (a peer that vanished without a word). */
  mode: 'serve' | 'silent' = 'serve'
  /** The run has not registered here yet: a follower is told "ended" at once, with nothing. */
  notYet = false
  ended = false
  opened = 0
  aborted = 0
  private readonly streams = new Set<{ onLine: (l: LogLine) => void, end: () => void, fail: () => void }>()

  push (text: string, epoch: number, at: number): void {
    const line: LogLine = { taskId: TASK, epoch, stream: 'stdout', line: text, at }
    this.buffer.push(line)
    for (const s of this.streams) s.onLine({ ...line })
  }

  finish (): void { this.ended = true; for (const s of this.streams) s.end() }
  /** Every open stream breaks (connection reset). */
  break (): void { for (const s of this.streams) s.fail() }
  get open (): number { return this.streams.size }

  async follow (onLine: (line: LogLine) => void, signal: AbortSignal): Promise<boolean> {
    this.opened++
    if (this.notYet) return true
    return await new Promise<boolean>((resolve, reject) => {
      const s = {
        onLine: this.mode === 'silent' ? () => {} : onLine,
        end: () => { this.streams.delete(s); resolve(true) },
        fail: () => { this.streams.delete(s); reject(new Error('stream reset')) }
      }
      signal.addEventListener('abort', () => { this.aborted++; s.fail() }, { once: true })
      if (this.mode === 'silent') { this.streams.add(s); return }
      // Over the network a line is a copy: identity never survives.
      for (const line of this.buffer) onLine({ ...line })
      if (this.ended) { resolve(true); return }
      this.streams.add(s)
    })
  }
}

/** The peer the relay runs on: its book, its listeners, its view of the task, the holders it can reach. */
function world () {
  const book = new LogBook()
  const lineListeners = new Set<(l: LogLine) => void>()
  const stateListeners = new Set<(t: TaskView) => void>()
  const holders = new Map<string, FakeHolder>()
  let view: TaskView | undefined
  const relay = new LogRelay({
    peerId: SELF,
    lines: id => book.lines(id),
    keep: line => { const kept = book.append(line); for (const l of lineListeners) l(kept) },
    onLine: l => { lineListeners.add(l); return () => { lineListeners.delete(l) } },
    onTaskState: l => { stateListeners.add(l); return () => { stateListeners.delete(l) } },
    view: id => (id === TASK ? view : undefined),
    refresh: async () => {},
    follow: async (holder, id, onLine, signal) => {
      const h = holders.get(holder)
      if (h === undefined || id !== TASK) throw new Error(`no route to ${holder}`)
      return await h.follow(onLine, signal)
    }
  }, { retryMs: 5, maxRetryMs: 20, finalWaitMs: 200 })
  const holder = (id: string): FakeHolder => {
    let h = holders.get(id)
    if (h === undefined) { h = new FakeHolder(); holders.set(id, h) }
    return h
  }
  /** The selected state changes, as the peer learns it. */
  const state = (status: TaskStatus, epoch: number, holderId: string | null, exitCode: number | null = null): void => {
    view = {
      taskId: TASK, status, epoch, holder: holderId, attempts: epoch, exitCode, error: null, submitter: 'sub', submitterName: null,
      image: null, command: null, cpu: null, memoryMb: null, timeoutSec: null, mine: false, runningHere: false, runningHereSince: null, createdAt: null, updatedAt: Date.now(),
      inputs: null, resultCid: null, outputsDir: null
    }
    for (const l of stateListeners) l(view)
  }
  /** A line produced on this very peer (its executor). */
  const local = (text: string, epoch: number): void => {
    const kept = book.append({ taskId: TASK, epoch, stream: 'stdout', line: text, at: Date.now() })
    for (const l of lineListeners) l(kept)
  }
  /** One client: its frames, and the promise of its stream. */
  const client = (taskId = TASK): { frames: LogStreamFrame[], done: Promise<void>, leave: () => void } => {
    const frames: LogStreamFrame[] = []
    const controller = new AbortController()
    const done = relay.stream(taskId, f => { frames.push(f) }, controller.signal)
    return { frames, done, leave: () => { controller.abort() } }
  }
  return { relay, book, holder, state, local, client }
}

const texts = (frames: LogStreamFrame[]): string[] => frames.flatMap(f => f.type === 'line' ? [`${f.line.epoch}:${f.line.line}`] : [])
const kinds = (frames: LogStreamFrame[]): string[] => frames.map(f => f.type === 'line' ? 'line' : f.type === 'holder' ? `holder ${f.holder ?? '-'}@${f.epoch}` : f.type)

describe('LogRelay', () => {
  let w: ReturnType<typeof world>
  afterEach(() => { w.relay.stop() })

  it('sends the holder\'s buffered lines, then live ones; a stream that breaks is reopened and nothing comes twice', async () => {
    w = world()
    const a = w.holder('A')
    // Two lines within one millisecond: the relay must count them, not just compare times.
    a.push('one', 1, 100); a.push('two', 1, 100); a.push('three', 1, 101)
    w.state('running', 1, 'A')
    const c = w.client()
    await expect.poll(() => texts(c.frames)).toEqual(['1:one', '1:two', '1:three'])
    a.push('four', 1, 102)
    a.break()
    // The holder keeps producing while the stream is down; the new stream starts with its whole buffer.
    a.push('five', 1, 102)
    await expect.poll(() => a.opened).toBe(2)
    a.push('six', 1, 103)
    await expect.poll(() => texts(c.frames)).toEqual(['1:one', '1:two', '1:three', '1:four', '1:five', '1:six'])
    a.finish()
    w.state('succeeded', 1, 'A', 0)
    await c.done
    expect(kinds(c.frames)).toEqual(['holder A@1', 'line', 'line', 'line', 'line', 'line', 'line', 'end'])
    expect(c.frames.at(-1)).toEqual({ type: 'end', status: 'succeeded', exitCode: 0, error: null })
    // The lines are kept here once: a later client and the plain GET see the same.
    expect(w.book.lines(TASK).map(l => l.line)).toEqual(['one', 'two', 'three', 'four', 'five', 'six'])
  })

  it('moves to the new holder on a re-claim, even when the old one went silent', async () => {
    w = world()
    const a = w.holder('A')
    const b = w.holder('B')
    a.push('a0', 1, 10)
    w.state('running', 1, 'A')
    const c = w.client()
    await expect.poll(() => texts(c.frames)).toEqual(['1:a0'])
    // A vanishes: its stream stays open but nothing more comes, ever.
    a.mode = 'silent'
    a.break()
    await expect.poll(() => a.opened).toBe(2)
    b.push('b0', 2, 20)
    w.state('leased', 2, 'B')
    await expect.poll(() => texts(c.frames)).toEqual(['1:a0', '2:b0'])
    expect(a.open).toBe(0)
    expect(a.aborted).toBeGreaterThan(0)
    w.state('running', 2, 'B')
    b.push('b1', 2, 21)
    await expect.poll(() => texts(c.frames)).toEqual(['1:a0', '2:b0', '2:b1'])
    b.finish()
    w.state('succeeded', 2, 'B', 0)
    await c.done
    expect(kinds(c.frames)).toEqual(['holder A@1', 'line', 'holder B@2', 'line', 'line', 'end'])
    expect(c.frames[2]).toEqual({ type: 'holder', holder: 'B', epoch: 2, status: 'leased' })
  })

  it('two claimants of one epoch: when the record order picks the other one, the relay follows the winner', async () => {
    w = world()
    const a = w.holder('A')
    const b = w.holder('B')
    // A's claim is seen first; it loses the settle re-read and never runs, B runs the same epoch.
    w.state('leased', 1, 'A')
    const c = w.client()
    await expect.poll(() => a.opened).toBe(1)
    b.push('b0', 1, 10)
    w.state('running', 1, 'B')
    await expect.poll(() => texts(c.frames)).toEqual(['1:b0'])
    expect(a.open).toBe(0)
    b.push('b1', 1, 11)
    b.finish()
    w.state('succeeded', 1, 'B', 0)
    await c.done
    expect(texts(c.frames)).toEqual(['1:b0', '1:b1'])
    expect(kinds(c.frames)).toEqual(['holder A@1', 'holder B@1', 'line', 'line', 'end'])
  })

  it('asks again when the holder says "ended" before its run registered there', async () => {
    w = world()
    const a = w.holder('A')
    a.notYet = true
    w.state('leased', 1, 'A')
    const c = w.client()
    await expect.poll(() => a.opened).toBeGreaterThanOrEqual(2)
    a.notYet = false
    a.push('late start', 1, 5)
    await expect.poll(() => texts(c.frames)).toEqual(['1:late start'])
    c.leave()
    await c.done
  })

  it('a task that ended before the client came: the lines kept here, the rest from the holder, then end', async () => {
    w = world()
    const a = w.holder('A')
    a.push('x', 1, 1); a.push('y', 1, 2); a.push('z', 1, 3)
    a.finish()
    // This peer kept the first two (say it restarted before the last one came).
    w.book.append({ taskId: TASK, epoch: 1, stream: 'stdout', line: 'x', at: 1 })
    w.book.append({ taskId: TASK, epoch: 1, stream: 'stdout', line: 'y', at: 2 })
    w.state('failed', 1, 'A', 3)
    const c = w.client()
    await c.done
    expect(texts(c.frames)).toEqual(['1:x', '1:y', '1:z'])
    expect(kinds(c.frames)).toEqual(['holder A@1', 'line', 'line', 'line', 'end'])
    expect(w.book.lines(TASK).map(l => l.line)).toEqual(['x', 'y', 'z'])
  })

  it('sends end within finalWaitMs when the holder of a finished task does not answer', async () => {
    w = world()
    const a = w.holder('A')
    a.mode = 'silent'
    w.state('succeeded', 1, 'A', 0)
    const started = performance.now()
    const c = w.client()
    await c.done
    expect(performance.now() - started).toBeLessThan(1000)
    expect(kinds(c.frames)).toEqual(['holder A@1', 'end'])
    await expect.poll(() => a.open).toBe(0)
  })

  it('the holder is this peer: lines come from its own book, no stream is opened', async () => {
    w = world()
    w.state('running', 1, SELF)
    w.local('before', 1)
    const c = w.client()
    w.local('after', 1)
    w.state('succeeded', 1, SELF, 0)
    await c.done
    expect(kinds(c.frames)).toEqual([`holder ${SELF}@1`, 'line', 'line', 'end'])
    expect(texts(c.frames)).toEqual(['1:before', '1:after'])
  })

  it('one stream per run for every client; it closes with the last client unless the submitter keeps a copy', async () => {
    w = world()
    const a = w.holder('A')
    w.state('running', 1, 'A')
    const c1 = w.client()
    const c2 = w.client()
    await expect.poll(() => a.open).toBe(1)
    a.push('shared', 1, 1)
    await expect.poll(() => [texts(c1.frames), texts(c2.frames)]).toEqual([['1:shared'], ['1:shared']])
    expect(a.opened).toBe(1)
    c1.leave()
    await c1.done
    expect(a.open).toBe(1)
    c2.leave()
    await c2.done
    expect(a.open).toBe(0)
    // The submitter's copy: kept with nobody watching, and a client joining later shares it.
    w.relay.keepCopy(TASK, 'A', 1)
    await expect.poll(() => a.open).toBe(1)
    const c3 = w.client()
    c3.leave()
    await c3.done
    await delay(20)
    expect(a.open).toBe(1)
    // The re-sent buffer was not kept twice.
    expect(w.book.lines(TASK).map(l => l.line)).toEqual(['shared'])
  })

  it('an unknown task gets a NotFoundError frame', async () => {
    w = world()
    const c = w.client('b'.repeat(64))
    await c.done
    expect(c.frames).toEqual([{ type: 'error', name: 'NotFoundError', message: `no task ${'b'.repeat(64)}` }])
  })
})
