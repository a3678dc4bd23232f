import { describe, expect, it } from 'vitest'
import type { LogLine } from '../../shared/api.js'
import { appendLogLines, emptyLog, extendLog, LOG_LINE_CAP, logFromSnapshot, logLine, logLines, mergeLogSnapshot } from './logs.js'

const line = (n: number, over: Partial<LogLine> = {}): LogLine =>
  ({ taskId: 't', epoch: 1, stream: 'stdout', line: `line ${n}`, at: n, ...over })
const lines = (from: number, to: number): LogLine[] => Array.from({ length: to - from }, (_, i) => line(from + i))

describe('task log', () => {
  it('returns a new value per append (React sees the change) and older values keep what they showed', () => {
    const log = { ...emptyLog('t'), loading: false }
    const a = appendLogLines(log, lines(0, 3))
    const b = appendLogLines(a, lines(3, 5))
    expect(logLines(a).map((l) => l.at)).toEqual([0, 1, 2])
    expect(logLines(b).map((l) => l.at)).toEqual([0, 1, 2, 3, 4])
    expect(logLine(b, 4)?.at).toBe(4)
    expect(logLine(a, 4)).toBeUndefined()
    expect(appendLogLines(b, [])).toBe(b)
    // Appending to an older value again must not overwrite what the newer one shows.
    const c = appendLogLines(a, [line(99)])
    expect(logLines(c).map((l) => l.at)).toEqual([0, 1, 2, 99])
    expect(logLines(b).map((l) => l.at)).toEqual([0, 1, 2, 3, 4])
  })

  it('keeps at most the cap, dropping the oldest and counting them', () => {
    let log = { ...emptyLog('t'), loading: false }
    log = appendLogLines(log, lines(0, 8), 10)
    log = appendLogLines(log, lines(8, 15), 10)
    expect(logLines(log).map((l) => l.at)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    expect(log.dropped).toBe(5)
    // Past a full cap of dropped lines the backing array is compacted.
    log = appendLogLines(log, lines(15, 30), 10)
    expect(logLines(log).map((l) => l.at)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29])
    expect(log.buffer.length).toBeLessThan(20)
  })

  it('copes with 100,000 lines plus a steady stream at the cap', () => {
    let log = logFromSnapshot('t', lines(0, LOG_LINE_CAP), [], false)
    const batches = Array.from({ length: 1000 }, (_, i) => lines(LOG_LINE_CAP + i * 100, LOG_LINE_CAP + (i + 1) * 100))
    const started = performance.now()
    for (const batch of batches) log = appendLogLines(log, batch)
    const elapsed = performance.now() - started
    expect(log.count).toBe(LOG_LINE_CAP)
    expect(log.dropped).toBe(100_000)
    expect(logLine(log, 0)?.at).toBe(100_000)
    expect(logLine(log, LOG_LINE_CAP - 1)?.at).toBe(199_999)
    // 1,000 flushes of 100 lines on a full log: no per-flush copy of the 100,000 lines.
    expect(elapsed).toBeLessThan(500)
  })

  it('drops live lines the snapshot already has, but keeps a line printed twice on purpose', () => {
    const snapshot = [line(1), line(2), line(3, { line: 'same' })]
    const live = [line(3, { line: 'same' }), line(3, { line: 'same' }), line(4)]
    expect(mergeLogSnapshot(snapshot, live).map((l) => `${l.at}:${l.line}`)).toEqual(['1:line 1', '2:line 2', '3:same', '3:same', '4:line 4'])
    expect(mergeLogSnapshot(snapshot, [])).toEqual(snapshot)
  })

  it('a re-read after a reconnect extends the log with what it missed, never shortening it', () => {
    // 10,000 lines here; the peer's snapshot holds only its last 5,000 plus 200 printed meanwhile.
    const here = logFromSnapshot('t', lines(0, 10_000), [], false)
    const extended = extendLog(here, lines(5200, 10_200), [line(10_200)], true)
    expect(extended.count).toBe(10_201)
    expect(logLine(extended, 9_999)?.at).toBe(9_999)
    expect(logLine(extended, 10_000)?.at).toBe(10_000)
    expect(logLine(extended, 10_200)?.at).toBe(10_200)
    expect(extended).toMatchObject({ loading: false, complete: true, dropped: 0 })
    // The snapshot overlapped what was here: nothing can be missing, so no marker.
    expect(logLines(extended).some((l) => l.stream === 'system')).toBe(false)
  })

  it('marks the place where lines may be missing when the snapshot does not reach back to what is here', () => {
    const here = logFromSnapshot('t', lines(0, 100), [], false)
    const extended = extendLog(here, lines(5000, 5010), [], false)
    expect(extended.count).toBe(111)
    expect(logLine(extended, 100)).toMatchObject({ stream: 'system', line: expect.stringMatching(/may be missing/) })
    expect(logLine(extended, 101)?.at).toBe(5000)
  })

  it('builds a log from a snapshot bigger than the cap', () => {
    const log = logFromSnapshot('t', lines(0, 12), [line(12)], true, 10)
    expect(log).toMatchObject({ loading: false, complete: true, dropped: 3, count: 10 })
    expect(logLine(log, 0)?.at).toBe(3)
  })
})
