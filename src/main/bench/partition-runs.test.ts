import { describe, expect, it } from 'vitest'
import { RunLog, timeWithTwoOrMore } from './partition-runs.js'

describe('timeWithTwoOrMore', () => {
  it('counts only the time two or more runs execute at once', () => {
    expect(timeWithTwoOrMore([[0, 10], [5, 20]])).toBe(5)
    expect(timeWithTwoOrMore([[0, 10], [10, 20]])).toBe(0)
    expect(timeWithTwoOrMore([[0, 10], [2, 4], [3, 8]])).toBe(6)
    expect(timeWithTwoOrMore([[0, 10]])).toBe(0)
  })
})

describe('RunLog', () => {
  it('reports overlapping runs of one task, counting a still-open run until now', () => {
    const log = new RunLog()
    log.start('t1', 'a', 1, 0)
    log.end('t1', 'a', 1, 100)
    log.start('t1', 'b', 2, 60)
    log.start('t2', 'a', 1, 0)
    log.end('t2', 'a', 1, 50)
    const r = log.overlaps(200)
    expect(r.tasks).toBe(1)
    expect(r.totalOverlapMs).toBe(40)
    expect(r.taskIds).toEqual(['t1'])
    expect(r.examples[0]!.runs).toEqual([{ holder: 'a', epoch: 1 }, { holder: 'b', epoch: 2 }])
  })
})
