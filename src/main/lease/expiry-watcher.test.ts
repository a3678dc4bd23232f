// Expiry is judged on this watcher's own monotonic clock (DESIGN.md "Lease – heartbeat – fencing"
// rule 4): a lease is expired when its (epoch, seq) has not advanced for ttl since this watcher
// first saw it. Wall-clock `updatedAt` never matters.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TASK_STATUSES, type TaskState, type TaskStatus } from '../../shared/index.js'
import { ExpiryWatcher } from './expiry-watcher.js'

const TTL = 3000
const HOLDER = '12D3KooWHoLdEr1111111111111111111111111111111111111'

class FakeClock {
  t = 1000
  now = (): number => this.t
  advance (ms: number): void { this.t += ms }
}

const setup = (): { clock: FakeClock, w: ExpiryWatcher } => {
  const clock = new FakeClock()
  return { clock, w: new ExpiryWatcher(clock.now) }
}

const st = (patch: Partial<TaskState> = {}): TaskState => ({
  v: 1, taskId: 'a'.repeat(64), submitter: HOLDER, specHash: 'b'.repeat(64), status: 'running', epoch: 1, holder: HOLDER,
  seq: 0, attempts: 1, ttlMs: TTL, exitCode: null, error: null, resultCid: null, updatedAt: Date.now(), ...patch
})

describe('ExpiryWatcher', () => {
  it('expires a lease only after ttl since it was FIRST seen', () => {
    const { clock, w } = setup()
    clock.advance(1_000_000) // time before the first sighting does not count
    expect(w.isExpired(st())).toBe(false) // first sighting starts the clock
    clock.advance(TTL - 1)
    expect(w.isExpired(st())).toBe(false)
    expect(w.remainingMs(st().taskId)).toBe(1)
    clock.advance(1)
    expect(w.isExpired(st())).toBe(true)
    expect(w.remainingMs(st().taskId)).toBe(0)
  })

  it('does not restart the clock when the same seq is seen again', () => {
    const { clock, w } = setup()
    w.observe(st({ seq: 4 }))
    const first = w.firstSeenAt(st().taskId)
    for (let i = 0; i < 5; i++) {
      clock.advance(TTL / 5)
      w.observe(st({ seq: 4 }))
    }
    expect(w.firstSeenAt(st().taskId)).toBe(first)
    expect(w.isExpired(st({ seq: 4 }))).toBe(true)
  })

  it('restarts the clock on a seq advance (a heartbeat)', () => {
    const { clock, w } = setup()
    w.observe(st({ seq: 0 }))
    clock.advance(TTL - 100)
    w.observe(st({ seq: 1 }))
    clock.advance(200) // ttl + 100 since seq 0, only 200 since seq 1
    expect(w.isExpired(st({ seq: 1 }))).toBe(false)
    clock.advance(TTL - 200)
    expect(w.isExpired(st({ seq: 1 }))).toBe(true)
  })

  it('restarts the clock on a new epoch (a re-claim), even at a lower seq', () => {
    const { clock, w } = setup()
    w.observe(st({ epoch: 1, seq: 9 }))
    clock.advance(TTL - 1)
    w.observe(st({ epoch: 2, seq: 0, status: 'leased' }))
    clock.advance(TTL - 1)
    expect(w.isExpired(st({ epoch: 2, seq: 0, status: 'leased' }))).toBe(false)
    clock.advance(1)
    expect(w.isExpired(st({ epoch: 2, seq: 0, status: 'leased' }))).toBe(true)
  })

  it('ignores a lower seq or lower epoch arriving late: it neither restarts the clock nor hides the expiry', () => {
    const { clock, w } = setup()
    w.observe(st({ epoch: 2, seq: 5 }))
    clock.advance(TTL - 10)
    w.observe(st({ epoch: 2, seq: 4 })) // a stale replica answers late
    w.observe(st({ epoch: 1, seq: 50 }))
    expect(w.isExpired(st({ epoch: 2, seq: 4 }))).toBe(false) // a stale view is never judged expired
    clock.advance(10)
    expect(w.isExpired(st({ epoch: 2, seq: 5 }))).toBe(true)
  })

  it('never expires terminal or queued states', () => {
    const { clock, w } = setup()
    for (const status of ['queued', 'succeeded', 'failed', 'cancelled'] as const) {
      const s = st({ status, seq: 1 })
      w.observe(s)
      expect(w.isExpired(s)).toBe(false)
      clock.advance(TTL * 100)
      expect(w.isExpired(s), status).toBe(false)
      expect(w.isExpired(st({ status, epoch: 0, holder: null }))).toBe(false)
    }
  })

  it('stops tracking a task once it finishes (a terminal record at a newer seq)', () => {
    const { clock, w } = setup()
    w.observe(st({ seq: 1 }))
    clock.advance(TTL - 1)
    w.observe(st({ seq: 2, status: 'succeeded' }))
    expect(w.remainingMs(st().taskId)).toBeUndefined()
    clock.advance(TTL * 10)
    expect(w.isExpired(st({ seq: 2, status: 'succeeded' }))).toBe(false)
  })

  it('keeps tasks apart', () => {
    const { clock, w } = setup()
    const a = st({ taskId: '1'.repeat(64) })
    const b = st({ taskId: '2'.repeat(64) })
    w.observe(a)
    clock.advance(TTL - 1)
    w.observe(b)
    clock.advance(1)
    expect(w.isExpired(a)).toBe(true)
    expect(w.isExpired(b)).toBe(false)
    w.forget(a.taskId)
    expect(w.isExpired(a)).toBe(false) // forgotten: seen afresh
  })

  it('uses the ttl carried by the lease', () => {
    const { clock, w } = setup()
    const short = st({ ttlMs: 500 })
    w.observe(short)
    clock.advance(500)
    expect(w.isExpired(short)).toBe(true)
  })

  it('ignores updatedAt entirely: wildly past or future wall-clock times change nothing', () => {
    for (const updatedAt of [0, 1, Date.now() - 365 * 86_400_000, Date.now() + 365 * 86_400_000, Number.MAX_SAFE_INTEGER]) {
      const { clock, w } = setup()
      w.observe(st({ updatedAt }))
      expect(w.isExpired(st({ updatedAt }))).toBe(false)
      clock.advance(TTL - 1)
      expect(w.isExpired(st({ updatedAt: 0 })), String(updatedAt)).toBe(false)
      // a heartbeat that claims to be from long ago still restarts the clock...
      w.observe(st({ seq: 1, updatedAt: 0 }))
      clock.advance(TTL - 1)
      expect(w.isExpired(st({ seq: 1, updatedAt: Number.MAX_SAFE_INTEGER }))).toBe(false)
      // ...and a record claiming to be from the future does not keep a stalled lease alive
      clock.advance(1)
      expect(w.isExpired(st({ seq: 1, updatedAt: Date.now() + 10 * TTL }))).toBe(true)
    }
  })

  // ---- model-based: any interleaving of observations and time steps -------------------------
  type Step = { kind: 'see', epoch: number, seq: number, status: TaskStatus, updatedAt: number } | { kind: 'wait', ms: number }
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('see' as const),
      epoch: fc.integer({ min: 1, max: 3 }),
      seq: fc.nat(4),
      status: fc.constantFrom<TaskStatus>('leased', 'running', 'running', 'leased', ...TASK_STATUSES),
      updatedAt: fc.nat()
    }),
    fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: TTL }) })
  )

  it('matches the rule "expired iff held and ttl has passed since the newest (epoch, seq) was first seen"', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 40 }), steps => {
      const { clock, w } = setup()
      // the model: newest (epoch, seq) seen and when it was first seen; reset by a finished task
      let model: { epoch: number, seq: number, at: number, held: boolean } | undefined
      for (const step of steps) {
        if (step.kind === 'wait') { clock.advance(step.ms); continue }
        const s = st({ epoch: step.epoch, seq: step.seq, status: step.status, updatedAt: step.updatedAt })
        const newer = model === undefined || s.epoch > model.epoch || (s.epoch === model.epoch && s.seq > model.seq)
        const held = s.status === 'leased' || s.status === 'running'
        const expired = w.isExpired(s)
        if (!held) {
          expect(expired).toBe(false)
          if (newer) model = { epoch: s.epoch, seq: s.seq, at: clock.t, held: false }
        } else if (newer) {
          expect(expired).toBe(false) // first sighting of a newer lease: the clock starts now
          model = { epoch: s.epoch, seq: s.seq, at: clock.t, held: true }
        } else if (!model!.held) {
          // an older held record arriving after the task finished: readers never select it
          // (the local copy never rolls back), so the rule says nothing about it
        } else if (s.epoch === model!.epoch && s.seq === model!.seq) {
          expect(expired).toBe(clock.t - model!.at >= TTL)
        } else {
          expect(expired).toBe(false) // an older record than the newest seen
        }
      }
    }), { numRuns: 1000 })
  })
})
