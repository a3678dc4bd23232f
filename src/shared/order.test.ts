// Property tests of the selector rules: every replica and reader must converge on one record,
// whatever the arrival order (DESIGN.md "Records and keys").
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareBySeq, compareImmutable, comparatorFor, compareTaskState, selectBest, statusRank, type Ranked } from './order.js'
import { TASK_STATUSES, taskStateSchema, type TaskState, type TaskStatus } from './schemas.js'

const RUNS = 1000
const TASK_ID = 'a'.repeat(64)
const SUBMITTER = '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij'
const HOLDERS = [
  '12D3KooWHoLdEr1111111111111111111111111111111111111',
  '12D3KooWHoLdEr2222222222222222222222222222222222222',
  '12D3KooWHoLdEr3333333333333333333333333333333333333'
]
const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0)

// Small domains on purpose: ties on epoch, status rank and seq must be common.
const sigHashArb = fc.oneof(
  fc.constantFrom('00', '0f', 'a0', 'ff'),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
)
const seqArb = fc.oneof({ weight: 4, arbitrary: fc.nat(4) }, { weight: 1, arbitrary: fc.maxSafeNat() })

const taskStateArb: fc.Arbitrary<TaskState> = fc.record({
  epoch: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(1_000_000) }),
  status: fc.constantFrom(...TASK_STATUSES),
  holder: fc.constantFrom(...HOLDERS),
  seq: seqArb,
  attempts: fc.nat(1000),
  ttlMs: fc.integer({ min: 500, max: 600_000 }),
  exitCode: fc.option(fc.integer({ min: -255, max: 255 })),
  error: fc.option(fc.string({ maxLength: 20 })),
  updatedAt: fc.nat()
}).map(r => {
  // epoch 0 is the submitter's: queued or cancelled, no holder (taskStateSchema's refinement)
  const epoch0 = r.epoch === 0
  const status: TaskStatus = epoch0 ? (statusRank(r.status) === 3 ? 'cancelled' : 'queued') : r.status
  return {
    v: 1, taskId: TASK_ID, submitter: SUBMITTER, specHash: 'b'.repeat(64), status, epoch: r.epoch,
    holder: epoch0 ? null : r.holder, seq: r.seq, attempts: r.attempts, ttlMs: r.ttlMs, exitCode: r.exitCode,
    error: r.error, resultCid: null, updatedAt: r.updatedAt
  }
})

const rankedStateArb: fc.Arbitrary<Ranked<TaskState>> = fc.record({ value: taskStateArb, sigHash: sigHashArb })
const rankedSeqArb: fc.Arbitrary<Ranked<{ seq: number }>> = fc.record({ value: fc.record({ seq: seqArb }), sigHash: sigHashArb })

/** The documented order as a sort key: epoch desc → status rank desc → seq desc → smallest sigHash. */
function expectedStateWinner (items: Array<Ranked<TaskState>>): Ranked<TaskState> {
  const maxEpoch = Math.max(...items.map(i => i.value.epoch))
  let pool = items.filter(i => i.value.epoch === maxEpoch)
  const maxRank = Math.max(...pool.map(i => statusRank(i.value.status)))
  pool = pool.filter(i => statusRank(i.value.status) === maxRank)
  const maxSeq = Math.max(...pool.map(i => i.value.seq))
  pool = pool.filter(i => i.value.seq === maxSeq)
  return pool.reduce((a, b) => (b.sigHash < a.sigHash ? b : a))
}

const sameStateKeys = (a: Ranked<TaskState>, b: Ranked<TaskState>): boolean =>
  a.value.epoch === b.value.epoch && statusRank(a.value.status) === statusRank(b.value.status) &&
  a.value.seq === b.value.seq && a.sigHash === b.sigHash

describe('generated task states', () => {
  it('are valid per taskStateSchema', () => {
    fc.assert(fc.property(taskStateArb, s => { expect(taskStateSchema.safeParse(s).success).toBe(true) }), { numRuns: 200 })
  })
})

describe('compareTaskState', () => {
  it('is antisymmetric: sign(a,b) = -sign(b,a)', () => {
    fc.assert(fc.property(rankedStateArb, rankedStateArb, (a, b) => {
      expect(sign(compareTaskState(a, b)) + sign(compareTaskState(b, a))).toBe(0)
    }), { numRuns: RUNS })
  })

  it('is reflexive-zero and total: 0 only when epoch, status rank, seq and sigHash are all equal', () => {
    fc.assert(fc.property(rankedStateArb, rankedStateArb, (a, b) => {
      expect(compareTaskState(a, a)).toBe(0)
      expect(compareTaskState(a, b) === 0).toBe(sameStateKeys(a, b))
    }), { numRuns: RUNS })
  })

  it('ties only when ordering keys agree, even if display fields differ', () => {
    fc.assert(fc.property(rankedStateArb, fc.nat(), fc.nat(1000), (a, updatedAt, attempts) => {
      const b = { ...a, value: { ...a.value, updatedAt, attempts } }
      expect(compareTaskState(a, b)).toBe(0)
    }), { numRuns: RUNS })
  })

  it('is transitive', () => {
    fc.assert(fc.property(rankedStateArb, rankedStateArb, rankedStateArb, (a, b, c) => {
      if (compareTaskState(a, b) <= 0 && compareTaskState(b, c) <= 0) expect(compareTaskState(a, c)).toBeLessThanOrEqual(0)
      if (compareTaskState(a, b) < 0 && compareTaskState(b, c) < 0) expect(compareTaskState(a, c)).toBeLessThan(0)
    }), { numRuns: RUNS })
  })

  it('sorts consistently: every earlier element is at least as good as every later one', () => {
    fc.assert(fc.property(fc.array(rankedStateArb, { maxLength: 12 }), items => {
      const sorted = [...items].sort(compareTaskState)
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) expect(compareTaskState(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0)
      }
    }), { numRuns: RUNS })
  })

  it('is deterministic: same inputs, same answer, inputs untouched', () => {
    fc.assert(fc.property(rankedStateArb, rankedStateArb, (a, b) => {
      const before = JSON.stringify([a, b])
      const first = compareTaskState(a, b)
      expect(compareTaskState(structuredClone(a), structuredClone(b))).toBe(first)
      expect(JSON.stringify([a, b])).toBe(before)
    }), { numRuns: RUNS })
  })

  it('ranks terminal > running > leased > queued at the same epoch, whatever the seq', () => {
    const at = (status: TaskStatus, seq: number): Ranked<TaskState> =>
      ({ value: { ...fc.sample(taskStateArb, { numRuns: 1, seed: 1 })[0]!, epoch: 2, holder: HOLDERS[0]!, status, seq }, sigHash: '00' })
    for (const terminal of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(compareTaskState(at(terminal, 0), at('running', 99))).toBeLessThan(0)
    }
    expect(compareTaskState(at('running', 0), at('leased', 99))).toBeLessThan(0)
    expect(compareTaskState(at('leased', 0), at('queued', 99))).toBeLessThan(0)
    // ...but a higher epoch beats any status of a lower one: a re-claim outranks a stale result
    const leased3 = { value: { ...at('leased', 0).value, epoch: 3 }, sigHash: 'ff' }
    expect(compareTaskState(leased3, at('succeeded', 99))).toBeLessThan(0)
  })
})

describe('selectBest with compareTaskState', () => {
  const distinct = fc.uniqueArray(rankedStateArb, { minLength: 1, maxLength: 15, selector: r => r.sigHash })

  it('picks the same winner whatever the arrival order', () => {
    fc.assert(fc.property(distinct, fc.array(fc.nat(), { minLength: 20, maxLength: 20 }), (items, keys) => {
      const winner = items[selectBest(items, compareTaskState)]!
      // a few shuffles derived from the generated keys
      for (let s = 0; s < 3; s++) {
        const shuffled = items.map((item, i) => ({ item, k: keys[(i + s * 7) % keys.length]! * 31 + i * (s + 1) }))
          .sort((x, y) => x.k - y.k).map(x => x.item)
        expect(shuffled[selectBest(shuffled, compareTaskState)]!.sigHash).toBe(winner.sigHash)
      }
      expect([...items].reverse()[selectBest([...items].reverse(), compareTaskState)]!.sigHash).toBe(winner.sigHash)
    }), { numRuns: RUNS })
  })

  it('is the highest epoch, then terminal > running > leased > queued, then highest seq, then smallest sigHash', () => {
    fc.assert(fc.property(distinct, items => {
      const winner = items[selectBest(items, compareTaskState)]!
      expect(winner).toBe(expectedStateWinner(items))
      for (const other of items) expect(compareTaskState(winner, other)).toBeLessThanOrEqual(0)
    }), { numRuns: RUNS })
  })

  it('is a fold: selecting over batches gives the same winner as over everything (replicas merging)', () => {
    fc.assert(fc.property(distinct, distinct, (xs, ys) => {
      const all = [...xs, ...ys]
      const whole = all[selectBest(all, compareTaskState)]!
      const partial = [xs[selectBest(xs, compareTaskState)]!, ys[selectBest(ys, compareTaskState)]!]
      expect(compareTaskState(partial[selectBest(partial, compareTaskState)]!, whole)).toBe(0)
    }), { numRuns: RUNS })
  })

  it('returns -1 for no records', () => {
    expect(selectBest([], compareTaskState)).toBe(-1)
  })
})

describe('compareBySeq', () => {
  it('is antisymmetric, total and transitive', () => {
    fc.assert(fc.property(rankedSeqArb, rankedSeqArb, rankedSeqArb, (a, b, c) => {
      expect(sign(compareBySeq(a, b)) + sign(compareBySeq(b, a))).toBe(0)
      expect(compareBySeq(a, b) === 0).toBe(a.value.seq === b.value.seq && a.sigHash === b.sigHash)
      if (compareBySeq(a, b) <= 0 && compareBySeq(b, c) <= 0) expect(compareBySeq(a, c)).toBeLessThanOrEqual(0)
    }), { numRuns: RUNS })
  })

  it('selectBest picks the highest seq, then smallest sigHash, whatever the arrival order', () => {
    const distinct = fc.uniqueArray(rankedSeqArb, { minLength: 1, maxLength: 15, selector: r => r.sigHash })
    fc.assert(fc.property(distinct, fc.nat(), (items, rot) => {
      const maxSeq = Math.max(...items.map(i => i.value.seq))
      const expected = items.filter(i => i.value.seq === maxSeq).reduce((a, b) => (b.sigHash < a.sigHash ? b : a))
      const rotated = [...items.slice(rot % items.length), ...items.slice(0, rot % items.length)]
      expect(items[selectBest(items, compareBySeq)]).toBe(expected)
      expect(rotated[selectBest(rotated, compareBySeq)]).toBe(expected)
      expect([...items].reverse()[selectBest([...items].reverse(), compareBySeq)]).toBe(expected)
    }), { numRuns: RUNS })
  })
})

describe('comparatorFor', () => {
  it('maps each record kind to its rule', () => {
    expect(comparatorFor('task-state')).toBe(compareTaskState)
    for (const k of ['node-meta', 'node-lease', 'node-tasks'] as const) expect(comparatorFor(k)).toBe(compareBySeq)
    for (const k of ['task-spec', 'task-cancel'] as const) expect(comparatorFor(k)).toBe(compareImmutable)
  })

  it('immutable records: the smallest sigHash wins in any order', () => {
    fc.assert(fc.property(fc.uniqueArray(sigHashArb, { minLength: 1, maxLength: 10 }), hashes => {
      const items = hashes.map(sigHash => ({ value: null, sigHash }))
      const min = [...hashes].sort()[0]
      expect(items[selectBest(items, compareImmutable)]!.sigHash).toBe(min)
      expect([...items].reverse()[selectBest([...items].reverse(), compareImmutable)]!.sigHash).toBe(min)
    }), { numRuns: RUNS })
  })
})
