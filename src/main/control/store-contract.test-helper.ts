// The control store's behaviour, written once and run on both engines: PGlite in the unit test,
// a real PostgreSQL 15 server in test/integration/control-store-pg.test.ts.
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { compareTaskState } from '../../shared/order.js'
import { ControlStore } from './control-store.js'
import type { ControlDb } from './db.js'
import {
  clearTables, lifecycle, metaOf, observedArb, selectedMeta, selectedStates, shuffled, snapshot, specOf, taskIdOf,
  type Observed, type ObservedMeta
} from './histories.test-helper.js'
import type { JobRow } from './rows.js'

export interface ContractOptions {
  /** fast-check runs of arbitrary record sets (each: apply in order, then in a shuffled order). */
  propertyRuns: number
  /** Shuffled replays of a whole run of lifecycles. */
  replayShuffles: number
  /** Tasks in the whole-run tests. */
  tasks: number
  /** Timeout of the property tests: their runs are sized for ~5 s alone, more on a loaded machine. */
  propertyTimeoutMs: number
}

/** The row fields that come from the selected state record. */
const stateView = (r: JobRow | undefined): unknown => r && {
  status: r.status, leaseToken: r.leaseToken, holder: r.holder, seq: r.seq, attempts: r.attempts, exitCode: r.exitCode,
  error: r.error, resultCid: r.resultCid, sigHash: r.sigHash, ttlSec: r.ttlSec, updatedAt: r.updatedAt,
  finishedAt: r.finishedAt, observedAt: r.observedAt
}
const expectedView = (o: Observed): unknown => ({
  status: o.state.status, leaseToken: o.state.epoch, holder: o.state.holder, seq: o.state.seq, attempts: o.state.attempts,
  exitCode: o.state.exitCode, error: o.state.error, resultCid: o.state.resultCid, sigHash: o.sigHash,
  ttlSec: o.state.ttlMs / 1000, updatedAt: o.state.updatedAt,
  finishedAt: ['succeeded', 'failed', 'cancelled'].includes(o.state.status) ? o.state.updatedAt : null, observedAt: o.observedAt
})
const better = (a: Observed, b: Observed): boolean =>
  compareTaskState({ value: a.state, sigHash: a.sigHash }, { value: b.state, sigHash: b.sigHash }) < 0

/** Applies events in the given order; returns what applyState answered for each. */
async function applyAll (store: ControlStore, events: readonly Observed[]): Promise<boolean[]> {
  const out: boolean[] = []
  for (const e of events) out.push(await store.applyState(e.state, e.sigHash, e.observedAt))
  return out
}

/** Share of tasks whose row equals the selected record (1 = all). */
async function agreement (store: ControlStore, events: readonly Observed[]): Promise<number> {
  const selected = selectedStates(events)
  let same = 0
  for (const [id, o] of selected) {
    if (JSON.stringify(stateView(await store.job(id))) === JSON.stringify(expectedView(o))) same++
  }
  return same / selected.size
}

export function controlStoreContract (getDb: () => ControlDb, opts: ContractOptions): void {
  const store = (): ControlStore => new ControlStore(getDb())
  const run = (n: number): Observed[] => Array.from({ length: n }, (_, i) => lifecycle(i)).flat()

  it(`mirrors ${opts.tasks} tasks applied in write order: every row is the record the DHT selects`, async () => {
    const s = store()
    await clearTables(getDb())
    const events = run(opts.tasks)
    // A third of the specs arrive before the states, the rest after: both fill the same row.
    for (let i = 0; i < opts.tasks; i += 3) await s.applySpec(taskIdOf(i), specOf(i))
    const answers = await applyAll(s, events)
    for (let i = 0; i < opts.tasks; i++) await s.applySpec(taskIdOf(i), specOf(i))

    expect(await agreement(s, events)).toBe(1)
    // applyState says "changed" exactly when the record beats everything seen before for its task.
    const best = new Map<string, Observed>()
    const expected = events.map((e) => {
      const cur = best.get(e.state.taskId)
      const moves = cur === undefined || better(e, cur)
      if (moves) best.set(e.state.taskId, e)
      return moves
    })
    expect(answers).toEqual(expected)
    const one = await s.job(taskIdOf(1))
    expect(one).toMatchObject({ image: 'busybox', command: ['sh', '-c', 'echo 1'], cpu: 0.5, memoryMb: 64, createdAt: specOf(1).createdAt })
  })

  it(`replaying every event in a random order changes nothing (${opts.replayShuffles} shuffles)`, async () => {
    const s = store()
    await clearTables(getDb())
    const events = run(Math.min(opts.tasks, 12))
    await applyAll(s, events)
    const before = await snapshot(getDb())
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
      // Replayed on top of the mirror: nothing may move…
      const replay = shuffled([...events, ...events.slice(0, 5)], seed)
      expect(await applyAll(s, replay)).not.toContain(true)
      expect(await snapshot(getDb())).toEqual(before)
    }), { numRuns: Math.ceil(opts.replayShuffles / 2) })
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
      // …and applied from empty in any order, the mirror comes out identical.
      await clearTables(getDb())
      await applyAll(s, shuffled(events, seed))
      expect(await snapshot(getDb())).toEqual(before)
    }), { numRuns: Math.floor(opts.replayShuffles / 2) })
  }, opts.propertyTimeoutMs)

  it(`any set of records, in any order, converges on the selected one (${opts.propertyRuns} runs)`, async () => {
    const s = store()
    const ids = [taskIdOf(100), taskIdOf(101), taskIdOf(102)]
    await fc.assert(fc.asyncProperty(fc.array(observedArb(ids), { minLength: 1, maxLength: 16 }), fc.integer(), async (events, seed) => {
      await clearTables(getDb())
      await applyAll(s, events)
      expect(await agreement(s, events)).toBe(1)
      const first = await snapshot(getDb())
      await clearTables(getDb())
      await applyAll(s, shuffled(events, seed))
      expect(await snapshot(getDb())).toEqual(first)
    }), { numRuns: opts.propertyRuns })
  }, opts.propertyTimeoutMs)

  it('a duplicate, or the same record seen again later, is a no-op', async () => {
    const s = store()
    await clearTables(getDb())
    const [queued, leased] = lifecycle(7, 0)
    expect(await s.applyState(queued!.state, queued!.sigHash, queued!.observedAt)).toBe(true)
    expect(await s.applyState(leased!.state, leased!.sigHash, leased!.observedAt)).toBe(true)
    const before = await snapshot(getDb())
    expect(await s.applyState(leased!.state, leased!.sigHash, leased!.observedAt)).toBe(false)
    expect(await s.applyState(leased!.state, leased!.sigHash, leased!.observedAt + 60_000)).toBe(false)
    expect(await s.applyState(queued!.state, queued!.sigHash, queued!.observedAt + 60_000)).toBe(false)
    expect(await snapshot(getDb())).toEqual(before)
  })

  it('a late lower-epoch record never moves a finished task back', async () => {
    const s = store()
    await clearTables(getDb())
    const life = lifecycle(3, 3) // holder dies at epoch 1, epoch 2 finishes
    const done = life[life.length - 1]!
    await s.applyState(done.state, done.sigHash, done.observedAt)
    for (const e of life.slice(0, -1)) expect(await s.applyState(e.state, e.sigHash, e.observedAt)).toBe(false)
    expect(stateView(await s.job(done.state.taskId))).toEqual(expectedView(done))
    const { rows } = await getDb().query('SELECT count(*) AS n FROM task_events WHERE task_id = $1', [done.state.taskId])
    expect(Number(rows[0].n)).toBe(life.length)
  })

  it('a state may come before its spec; the spec fills the row later and is idempotent', async () => {
    const s = store()
    await clearTables(getDb())
    const [queued] = lifecycle(5)
    await s.applyState(queued!.state, queued!.sigHash, queued!.observedAt)
    expect(await s.job(taskIdOf(5))).toMatchObject({ status: 'queued', image: null, command: null, submitter: queued!.state.submitter })
    await s.applySpec(taskIdOf(5), specOf(5))
    const filled = await snapshot(getDb())
    await s.applySpec(taskIdOf(5), specOf(5))
    expect(await snapshot(getDb())).toEqual(filled)
    expect(await s.job(taskIdOf(5))).toMatchObject({ status: 'queued', image: 'busybox', timeoutSec: 30, maxAttempts: 3 })
    expect(await s.job('f'.repeat(64))).toBeUndefined()
  })

  it('a finished task carries its figures, the same whatever order its records and spec arrived in', async () => {
    const s = store()
    // Variant 3: its first holder dies and a second one finishes it (6 records, 50 ms apart).
    const life = lifecycle(3)
    const expected = { waitMs: 103_097, runMs: 50, totalMs: 103_297, holders: 2, epochs: 2 }
    for (const order of [life, [...life].reverse(), shuffled(life, 7)]) {
      await clearTables(getDb())
      const specFirst = order !== life
      if (specFirst) await s.applySpec(taskIdOf(3), specOf(3))
      await applyAll(s, order)
      if (!specFirst) await s.applySpec(taskIdOf(3), specOf(3))
      expect((await s.job(taskIdOf(3)))?.metrics).toEqual(expected)
    }
    // An unfinished task has none yet.
    await applyAll(s, lifecycle(10).slice(0, 3))
    expect((await s.job(taskIdOf(10)))?.metrics).toBeNull()
  })

  it('openTaskIds lists unfinished tasks (and spec-only ones), never terminal ones', async () => {
    const s = store()
    await clearTables(getDb())
    const lives = [0, 9, 10, 5, 21].map((v, k) => lifecycle(20 + k, v)) // succeeded, cancelled, running, failed, running
    for (const life of lives) await applyAll(s, life)
    await s.applySpec(taskIdOf(40), specOf(40)) // seen, but no state yet: must be reconciled too
    const open = await s.openTaskIds()
    expect(open.sort()).toEqual([lives[2]![0]!.state.taskId, lives[4]![0]!.state.taskId, taskIdOf(40)].sort())
  })

  it('summary and jobs report the mirror', async () => {
    const s = store()
    await clearTables(getDb())
    const lives = [0, 1, 5, 9, 10].map((v, k) => lifecycle(30 + k, v)) // succeeded ×2, failed, cancelled, running
    for (const life of lives) await applyAll(s, life)
    await s.applyNodeMeta(metaOf(1, 1, 1_700_000_000_000), 'aa', 1_700_000_000_005)
    expect(await s.summary()).toEqual({
      tasks: 5, byStatus: { succeeded: 2, failed: 1, cancelled: 1, running: 1 }, successRate: 2 / 3, nodes: 1
    })
    expect((await s.jobs()).length).toBe(5)
    expect((await s.jobs({ status: 'succeeded' })).map((j) => j.status)).toEqual(['succeeded', 'succeeded'])
    expect((await s.jobs({ limit: 2 })).length).toBe(2)
    await expect(s.jobs({ status: 'done' })).rejects.toThrow(/status must be one of/)
    await expect(s.jobs({ limit: 0 })).rejects.toThrow(/limit/)
    await clearTables(getDb())
    expect(await s.summary()).toEqual({ tasks: 0, byStatus: {}, successRate: null, nodes: 0 })
  })

  it('node meta moves forward by seq then sig hash; its history is appended once per record', async () => {
    const s = store()
    await clearTables(getDb())
    const t0 = 1_700_000_000_000
    const metas: ObservedMeta[] = []
    for (let node = 0; node < 3; node++) {
      for (let seq = 0; seq < 6; seq++) metas.push({ meta: metaOf(node, seq, t0 + seq * 1000), sigHash: `b${seq}`, observedAt: t0 + seq * 1000 + 5 })
      // A second record at the top seq with a smaller sig hash wins the tie.
      metas.push({ meta: metaOf(node, 5, t0 + 9000), sigHash: 'a5', observedAt: t0 + 9005 })
    }
    for (const m of metas) await s.applyNodeMeta(m.meta, m.sigHash, m.observedAt)
    const first = await snapshot(getDb())
    for (const m of shuffled(metas, 42)) expect(await s.applyNodeMeta(m.meta, m.sigHash, m.observedAt)).toBe(false)
    expect(await snapshot(getDb())).toEqual(first)
    await clearTables(getDb())
    for (const m of shuffled(metas, 7)) await s.applyNodeMeta(m.meta, m.sigHash, m.observedAt)
    expect(await snapshot(getDb())).toEqual(first)
    const byPeer = (a: unknown[], b: unknown[]): number => String(a[0]).localeCompare(String(b[0]))
    const nodes = (await s.nodes()).map((n) => [n.peerId, n.seq, n.sigHash, n.lastSeen, n.name]).sort(byPeer)
    const want = [...selectedMeta(metas).values()].map((m) => [m.meta.peerId, m.meta.seq, m.sigHash, m.observedAt, m.meta.name]).sort(byPeer)
    expect(nodes).toEqual(want)
    const { rows } = await getDb().query('SELECT count(*) AS n FROM node_history')
    expect(Number(rows[0].n)).toBe(metas.length)
  })

  it('concurrent writers of one task converge on the selected record', async () => {
    const s = store()
    await clearTables(getDb())
    const events = run(8)
    // All at once: with pg these race over the pool's connections.
    await Promise.all(shuffled(events, 99).map(async (e) => await s.applyState(e.state, e.sigHash, e.observedAt)))
    expect(await agreement(s, events)).toBe(1)
  })
}
