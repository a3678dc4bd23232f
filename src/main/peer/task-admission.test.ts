// The receiving side of the posting limit: a flood of new tasks from one submitter is not taken,
// is counted and logged, and is read again later from the submitter's index at the same pace.
import { describe, expect, it } from 'vitest'
import type { OpenedRecord } from '../records/index.js'
import { TaskAdmission } from './task-admission.js'

const FLOODER = '12D3KooWFlooderFlooderFlooderFlooderFlooderFlood1'
const HONEST = '12D3KooWHonestHonestHonestHonestHonestHonestHon1'
const idOf = (n: number): string => n.toString(16).padStart(64, '0')
const rec = (kind: string, n: number, signer = FLOODER): OpenedRecord => ({ parsed: { kind, id: idOf(n) }, signer }) as unknown as OpenedRecord

function setup (catchUp?: (s: string, max: number) => Promise<{ found: number, complete: boolean }>): {
  admission: TaskAdmission, book: Set<string>, logs: string[], clock: { now: number }
} {
  const book = new Set<string>()
  const logs: string[] = []
  const clock = { now: 0 }
  const admission = new TaskAdmission({
    known: id => book.has(id), catchUp: catchUp ?? (async () => ({ found: 0, complete: true })), log: line => { logs.push(line) }
  }, { burst: 300, perMinute: 600, now: () => clock.now })
  return { admission, book, logs, clock }
}

describe('TaskAdmission', () => {
  it('takes a burst of 10,000 tasks from one submitter only up to its limit, counting and logging the rest once', () => {
    const { admission, logs } = setup()
    let taken = 0
    for (let n = 0; n < 10_000; n++) {
      // the spec, then the state of the same task: one decision for both
      const spec = admission.admit(rec('task-spec', n))
      expect(admission.admit(rec('task-state', n))).toBe(spec)
      if (spec) taken++
    }
    expect(taken).toBe(300)
    expect(admission.dropped).toBe(9_700)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/not taking new tasks from 12D3KooWFlooder.*more than 300 at once or 600 per minute/)
    // another submitter and node records are not affected
    expect(admission.admit(rec('task-state', 20_000, HONEST))).toBe(true)
    expect(admission.admit(rec('node-meta', 1))).toBe(true)
  })

  it('lets every record of a task already in the book through, and refills with time', () => {
    const { admission, book, clock } = setup()
    for (let n = 0; n < 300; n++) expect(admission.admit(rec('task-state', n))).toBe(true)
    expect(admission.admit(rec('task-state', 300))).toBe(false)
    book.add(idOf(300)) // read later from the DHT: now known, its heartbeats and results pass
    expect(admission.admit(rec('task-state', 300, HONEST))).toBe(true)
    expect(admission.admit(rec('task-cancel', 300))).toBe(true)
    clock.now += 1000 // 600 per minute: 10 more
    let more = 0
    for (let n = 1000; n < 1100; n++) if (admission.admit(rec('task-spec', n))) more++
    expect(more).toBe(10)
  })

  it('reads the dropped tasks again from the submitter index, as fast as its bucket allows, until caught up', async () => {
    const asked: number[] = []
    let left = 500
    const { admission, clock } = setup(async (submitter, max) => {
      expect(submitter).toBe(FLOODER)
      asked.push(max)
      const found = Math.min(max, left)
      left -= found
      return { found, complete: left === 0 }
    })
    for (let n = 0; n < 800; n++) admission.admit(rec('task-state', n))
    expect(admission.owedCount()).toBe(1)
    await admission.catchUpRound()
    expect(asked).toEqual([]) // bucket empty: nothing read yet
    clock.now += 30_000
    await admission.catchUpRound()
    clock.now += 60_000
    await admission.catchUpRound()
    expect(asked).toEqual([300, 300]) // refilled to the burst each time, never more
    expect(left).toBe(0)
    expect(admission.owedCount()).toBe(0)
    await admission.catchUpRound()
    expect(asked).toHaveLength(2)
  })

  it('survives a failing catch-up and keeps the submitter owed', async () => {
    const { admission, clock } = setup(async () => { throw new Error('no quorum') })
    for (let n = 0; n < 301; n++) admission.admit(rec('task-state', n))
    clock.now += 60_000
    await expect(admission.catchUpRound()).resolves.toBeUndefined()
    expect(admission.owedCount()).toBe(1)
  })
})
