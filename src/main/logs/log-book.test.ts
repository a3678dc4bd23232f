import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LogLine } from '../../shared/index.js'
import { LogBook } from './log-book.js'

const line = (taskId: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine =>
  ({ taskId, epoch: 1, stream, line: text, at: Date.UTC(2025, 0, 2, 3, 4, 5, 678) })
const bytesOf = (lines: LogLine[]): number => lines.reduce((n, l) => n + Buffer.byteLength(l.line), 0)
const numbered = (i: number, width: number): string => String(i).padStart(width, '0')

/** Polls `ready` every 10 ms; fails when it is not true within 1 s. */
async function until (ready: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await ready()); waited += 10) {
    if (waited > 1000) throw new Error('condition not met within 1 s')
    await delay(10)
  }
}

describe('LogBook memory bounds', () => {
  it('keeps at most maxBytesPerTask of a task\'s newest lines, counting UTF-8 bytes', () => {
    const book = new LogBook({ maxBytesPerTask: 1000 })
    for (let i = 0; i < 100; i++) book.append(line('a', numbered(i, 100)))
    const kept = book.lines('a')
    expect(bytesOf(kept)).toBeLessThanOrEqual(1000)
    expect(kept.map(l => Number(l.line))).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99])

    // 'é' is 2 bytes: 10 of these 100-char lines are 2,000 bytes, so only 5 fit
    for (let i = 0; i < 10; i++) book.append(line('b', 'é'.repeat(100)))
    expect(book.lines('b')).toHaveLength(5)
  })

  it('drops the oldest task first when all tasks together pass maxBytesTotal', () => {
    const book = new LogBook({ maxBytesPerTask: 1000, maxBytesTotal: 3000 })
    for (const task of ['t1', 't2', 't3', 't4', 't5']) {
      for (let i = 0; i < 10; i++) book.append(line(task, numbered(i, 100)))
    }
    expect(book.lines('t1')).toEqual([])
    expect(book.lines('t2')).toEqual([])
    for (const task of ['t3', 't4', 't5']) expect(book.lines(task)).toHaveLength(10)
    // a task logging again after it was dropped starts a new ring
    book.append(line('t1', 'back'))
    expect(book.lines('t1').map(l => l.line)).toEqual(['back'])
    expect(book.lines('t3')).toEqual([])
  })

  it('counts only what it holds: lines a task dropped do not push other tasks out', () => {
    const book = new LogBook({ maxBytesPerTask: 1000, maxBytesTotal: 3000 })
    for (let i = 0; i < 500; i++) {
      book.append(line('a', numbered(i, 100)))
      book.append(line('b', numbered(i, 100)))
    }
    expect(bytesOf(book.lines('a'))).toBe(1000)
    expect(bytesOf(book.lines('b'))).toBe(1000)
  })

  it('still bounds lines per task and cuts long lines', () => {
    const book = new LogBook({ maxLinesPerTask: 3, maxLineLength: 5 })
    for (let i = 0; i < 5000; i++) book.append(line('a', String(i)))
    expect(book.lines('a').map(l => l.line)).toEqual(['4997', '4998', '4999'])
    expect(book.append(line('a', 'abcdefgh')).line).toBe('abcde …[cut 3 chars]')
  })
})

describe('LogBook files', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-logbook-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  /** Descriptors of this process open on a file in `dir` (Linux). */
  const openInDir = async (): Promise<number> => {
    const fds = await readdir('/proc/self/fd')
    const targets = await Promise.all(fds.map(async fd => await readlink(`/proc/self/fd/${fd}`).catch(() => '')))
    return targets.filter(t => t.startsWith(dir + path.sep)).length
  }

  it('writes every line to <dir>/<taskId>.log as "<ISO time> <stream> <line>"', async () => {
    const book = new LogBook({ dir: path.join(dir, 'logs'), maxBytesPerTask: 100 })
    book.append(line('task1', 'hello'))
    book.append(line('task1', 'oops', 'stderr'))
    book.append(line('task2', 'two\nlines', 'system'))
    for (let i = 0; i < 100; i++) book.append(line('task1', numbered(i, 20)))
    await book.close()
    const task1 = (await readFile(path.join(dir, 'logs', 'task1.log'), 'utf8')).split('\n')
    expect(task1.slice(0, 3)).toEqual(['2025-01-02T03:04:05.678Z stdout hello', '2025-01-02T03:04:05.678Z stderr oops', `2025-01-02T03:04:05.678Z stdout ${numbered(0, 20)}`])
    // the file has every line, the memory only the newest
    expect(task1).toHaveLength(103)
    expect(book.lines('task1').length).toBeLessThan(10)
    expect(await readFile(path.join(dir, 'logs', 'task2.log'), 'utf8')).toBe('2025-01-02T03:04:05.678Z system two\\nlines\n')
  })

  it('caps a file at maxFileBytes with one cut marker, also across a restart', async () => {
    const file = path.join(dir, 'a.log')
    let book = new LogBook({ dir, maxFileBytes: 4096 })
    for (let i = 0; i < 20; i++) book.append(line('a', numbered(i, 100)))
    await book.close()
    const before = (await stat(file)).size
    expect(before).toBeLessThan(4096)

    book = new LogBook({ dir, maxFileBytes: 4096 })
    for (let i = 20; i < 200; i++) book.append(line('a', numbered(i, 100)))
    await book.close()
    const text = await readFile(file, 'utf8')
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096)
    const lines = text.trimEnd().split('\n')
    expect(lines.at(-1)).toMatch(/^\S+ system \[log file cut at 4 KiB\]$/)
    expect(lines.filter(l => l.includes('[log file cut'))).toHaveLength(1)
    // what was written is the start of the output, in order
    expect(lines.slice(0, -1).map(l => Number(l.split(' ')[2]))).toEqual([...Array(lines.length - 1).keys()])
    // memory keeps the newest lines whatever the file cap
    expect(book.lines('a').at(-1)?.line).toBe(numbered(199, 100))
  })

  it('keeps at most maxOpenFiles open, closes idle files, and loses no line in between', async () => {
    const book = new LogBook({ dir, maxOpenFiles: 2, fileIdleMs: 100 })
    for (let round = 0; round < 5; round++) {
      for (const task of ['t1', 't2', 't3', 't4']) book.append(line(task, `${task} round ${round}`))
      // a file being closed holds its descriptor until the close completes
      await until(async () => await openInDir() <= 2)
    }
    await delay(300)
    await until(async () => await openInDir() === 0)
    book.append(line('t1', 't1 after idle'))
    await book.close()
    expect(await openInDir()).toBe(0)
    for (const task of ['t1', 't2', 't3', 't4']) {
      const got = (await readFile(path.join(dir, `${task}.log`), 'utf8')).trimEnd().split('\n').map(l => l.split(' ').slice(2).join(' '))
      const want = [0, 1, 2, 3, 4].map(r => `${task} round ${r}`)
      expect(got).toEqual(task === 't1' ? [...want, 't1 after idle'] : want)
    }
  })

  it('writes the lines that arrive while their file is being closed, in order', async () => {
    const book = new LogBook({ dir, maxOpenFiles: 1 })
    const nextTurn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
    book.append(line('t1', 'one'))
    await nextTurn()
    // opening t2's file closes t1's: 'three' arrives while that close is under way
    book.append(line('t2', 'two'))
    await nextTurn()
    book.append(line('t1', 'three'))
    book.append(line('t2', 'four'))
    await book.close()
    const textOf = async (task: string): Promise<string[]> =>
      (await readFile(path.join(dir, `${task}.log`), 'utf8')).trimEnd().split('\n').map(l => l.split(' ').slice(2).join(' '))
    expect(await textOf('t1')).toEqual(['one', 'three'])
    expect(await textOf('t2')).toEqual(['two', 'four'])
  })

  it('drops and counts lines while the disk is behind, instead of holding them in memory', async () => {
    const book = new LogBook({ dir, fileBacklogBytes: 1000 })
    // each record is 133 bytes: 7 fit in the backlog before anything reaches the disk
    for (let i = 0; i < 100; i++) book.append(line('a', numbered(i, 100)))
    await delay(50)
    book.append(line('a', 'after'))
    await book.close()
    const lines = (await readFile(path.join(dir, 'a.log'), 'utf8')).trimEnd().split('\n').map(l => l.split(' ').slice(1).join(' '))
    expect(lines).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6].map(i => `stdout ${numbered(i, 100)}`),
      'system [93 lines not written here: the disk fell behind]',
      'stdout after'
    ])
    expect(book.lines('a')).toHaveLength(101)
  })

  it('never throws on a write error: it notes the failure once and keeps the lines in memory', async () => {
    // the log path of task b is a directory: opening it for append fails
    await mkdir(path.join(dir, 'b.log'))
    const book = new LogBook({ dir, fileBacklogBytes: 4096 })
    for (let i = 0; i < 3; i++) expect(() => book.append(line('b', `line ${i} ${'x'.repeat(1000)}`))).not.toThrow()
    await delay(50)
    for (let i = 3; i < 6; i++) book.append(line('b', `line ${i}`))
    await delay(50)
    // what the failed file had queued no longer counts against the backlog: other files go on
    for (let i = 0; i < 100; i++) {
      book.append(line('ok', numbered(i, 100)))
      if (i % 10 === 9) await delay(10)
    }
    const lines = book.lines('b')
    expect(lines.filter(l => l.line.startsWith('line '))).toHaveLength(6)
    const notes = lines.filter(l => l.stream === 'system')
    expect(notes).toHaveLength(1)
    expect(notes[0]?.line).toMatch(/^log file .*b\.log could not be written \(.*\); this task's lines stay in memory only$/)
    await book.close()
    expect((await readFile(path.join(dir, 'ok.log'), 'utf8')).trimEnd().split('\n')).toHaveLength(100)

    // a dir that cannot be made (a file is in the way)
    await writeFile(path.join(dir, 'blocker'), '')
    const blocked = new LogBook({ dir: path.join(dir, 'blocker', 'logs') })
    expect(() => blocked.append(line('c', 'x'))).not.toThrow()
    await delay(10)
    expect(blocked.lines('c').map(l => l.stream)).toEqual(['stdout', 'system'])
    await blocked.close()
  })
})
