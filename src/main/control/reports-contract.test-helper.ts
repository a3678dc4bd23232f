// The control peer's reports, written once and run on both engines (PGlite in reports.test.ts, a
// real PostgreSQL 15 server in test/integration/control-reports-pg.test.ts), from hand-built
// histories whose answers are known: a task's transitions, recovery gaps after an expiry or a
// hand-back, and node utilisation.
import { createHash } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import type { TaskState, TaskStatus } from '../../shared/schemas.js'
import { ControlStore } from './control-store.js'
import type { ControlDb } from './db.js'
import { clearTables, HOLDERS, lifecycle, metaOf, shuffled, SUBMITTER, taskIdOf, type Observed } from './histories.test-helper.js'
import { ControlReports } from './reports.js'

const [H1, H2, H3] = HOLDERS as [string, string, string]
const T0 = 1_700_000_000_000

const hex = (s: string): string => createHash('sha256').update(s).digest('hex')

/** A record of task `task` written `at` ms after T0 (the writer's clock). */
function rec (task: number, status: TaskStatus, epoch: number, seq: number, holder: string | null, at: number, salt = ''): Observed {
  const taskId = taskIdOf(task)
  const state: TaskState = {
    v: 1, taskId, submitter: SUBMITTER, specHash: hex(`spec-${taskId}`), status, epoch, holder, seq, attempts: epoch,
    ttlMs: 3000, exitCode: status === 'succeeded' ? 0 : status === 'failed' ? 1 : null, error: null, resultCid: null,
    updatedAt: T0 + at
  }
  return { state, sigHash: hex(`${taskId}/${epoch}/${status}/${seq}/${holder}${salt}`), observedAt: T0 + at + 5 }
}

// A normal run: claimed once, ran, succeeded. Nothing to recover from.
const normal = (t: number): Observed[] => [
  rec(t, 'queued', 0, 0, null, 0), rec(t, 'leased', 1, 0, H1, 100), rec(t, 'running', 1, 1, H1, 200),
  rec(t, 'running', 1, 2, H1, 1200), rec(t, 'succeeded', 1, 3, H1, 1500)
]
// H1's last heartbeat at 3000, then silence; H2 sees the lease expired and claims epoch 2 at 6500.
const expired = (t: number): Observed[] => [
  rec(t, 'queued', 0, 0, null, 0), rec(t, 'leased', 1, 0, H1, 1000), rec(t, 'running', 1, 1, H1, 2000),
  rec(t, 'running', 1, 2, H1, 3000), rec(t, 'leased', 2, 0, H2, 6500), rec(t, 'running', 2, 1, H2, 7000),
  rec(t, 'succeeded', 2, 2, H2, 9000)
]
// H1 hands the task back (queued at epoch 2, by H1) at 2500; H3 claims epoch 3 at 2800.
const handedBack = (t: number): Observed[] => [
  rec(t, 'queued', 0, 0, null, 0), rec(t, 'leased', 1, 0, H1, 1000), rec(t, 'running', 1, 1, H1, 2000),
  rec(t, 'queued', 2, 0, H1, 2500), rec(t, 'leased', 3, 0, H3, 2800), rec(t, 'running', 3, 1, H3, 3000),
  rec(t, 'succeeded', 3, 2, H3, 4000)
]

export function reportsContract (getDb: () => ControlDb): void {
  let db: ControlDb
  let store: ControlStore
  let reports: ControlReports
  beforeEach(async () => {
    db = getDb()
    store = new ControlStore(db)
    reports = new ControlReports(db)
    await clearTables(db)
  })

  const apply = async (events: readonly Observed[]): Promise<void> => {
    for (const e of events) await store.applyState(e.state, e.sigHash, e.observedAt)
  }

  describe('events', () => {
    it("lists a task's transitions oldest first by (epoch, status rank, seq), whatever order they arrived in", async () => {
      const events = expired(1)
      await apply(shuffled(events, 7))
      const view = await reports.events(taskIdOf(1))
      expect(view.map((e) => [e.epoch, e.status, e.seq, e.holder])).toEqual(events.map((e) => [e.state.epoch, e.state.status, e.state.seq, e.state.holder]))
      expect(view[1]).toEqual({ epoch: 1, status: 'leased', seq: 0, holder: H1, attempts: 1, exitCode: null, error: null, updatedAt: T0 + 1000, observedAt: T0 + 1005 })
      expect(view.at(-1)?.exitCode).toBe(0)
      expect(await reports.events(taskIdOf(99))).toEqual([])
    })

    it('keeps the newest 1,000 transitions of a long-running task', async () => {
      const beats = [rec(2, 'queued', 0, 0, null, 0), rec(2, 'leased', 1, 0, H1, 1)]
      for (let s = 1; s <= 1005; s++) beats.push(rec(2, 'running', 1, s, H1, 1 + s))
      await db.transaction(async (tx) => { const s = new ControlStore(tx); for (const e of beats) await s.applyState(e.state, e.sigHash, e.observedAt) })
      const view = await reports.events(taskIdOf(2))
      expect(view).toHaveLength(1000)
      expect(view[0]).toMatchObject({ status: 'running', seq: 6 })
      expect(view.at(-1)).toMatchObject({ status: 'running', seq: 1005 })
    })
  })

  describe('recoveries', () => {
    it('a normal run has none', async () => {
      await apply(normal(1))
      expect(await reports.recoveries(taskIdOf(1))).toEqual([])
      expect(await reports.recoveryStats()).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null, sumMs: 0 })
    })

    it("a re-claim after expiry: from the old holder's last heartbeat to the new holder's lease", async () => {
      await apply(expired(1))
      expect(await reports.recoveries(taskIdOf(1))).toEqual([{
        taskId: taskIdOf(1), fromEpoch: 1, toEpoch: 2, fromHolder: H1, toHolder: H2,
        lastSeenAt: T0 + 3000, resumedAt: T0 + 6500, gapMs: 3500
      }])
    })

    it('a hand-back is the old holder\'s last record, never the new holder', async () => {
      await apply(handedBack(1))
      expect(await reports.recoveries(taskIdOf(1))).toEqual([{
        taskId: taskIdOf(1), fromEpoch: 1, toEpoch: 3, fromHolder: H1, toHolder: H3,
        lastSeenAt: T0 + 2500, resumedAt: T0 + 2800, gapMs: 300
      }])
    })

    it('a claim race names the winner as the new holder; a clock behind gives 0, not a negative gap', async () => {
      await apply([
        rec(1, 'queued', 0, 0, null, 0), rec(1, 'leased', 1, 0, H1, 1000), rec(1, 'running', 1, 1, H1, 5000),
        // H2 and H3 both claim epoch 2; H3 wins (it goes on running). Their clocks are behind H1's.
        rec(1, 'leased', 2, 0, H2, 4000, '-rival'), rec(1, 'leased', 2, 0, H3, 4100), rec(1, 'running', 2, 1, H3, 4200)
      ])
      expect(await reports.recoveries(taskIdOf(1))).toEqual([{
        taskId: taskIdOf(1), fromEpoch: 1, toEpoch: 2, fromHolder: H1, toHolder: H3,
        lastSeenAt: T0 + 5000, resumedAt: T0 + 4000, gapMs: 0
      }])
    })

    it('over all tasks: nearest-rank percentiles; replayed and duplicated events change nothing', async () => {
      const all = [...normal(1), ...expired(2), ...handedBack(3), ...normal(4)]
      await apply(all)
      const recoveries = await reports.recoveries()
      const stats = await reports.recoveryStats()
      expect(recoveries.map((r) => [r.taskId, r.gapMs])).toEqual([[taskIdOf(2), 3500], [taskIdOf(3), 300]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))))
      expect(stats).toEqual({ count: 2, p50Ms: 300, p95Ms: 3500, maxMs: 3500, sumMs: 3800 })
      for (const seed of [1, 2, 3]) {
        await clearTables(db)
        await apply(shuffled([...all, ...all.slice(0, 9)], seed))
        await apply(shuffled(all, seed + 100))
        expect(await reports.recoveries()).toEqual(recoveries)
        expect(await reports.recoveryStats()).toEqual(stats)
      }
    })

    it("counts one recovery per expiry and per hand-back in the helper's lifecycles, in any order", async () => {
      const n = 40
      const events = Array.from({ length: n }, (_, i) => lifecycle(i)).flat()
      await db.transaction(async (tx) => { const s = new ControlStore(tx); for (const e of shuffled(events, 11)) await s.applyState(e.state, e.sigHash, e.observedAt) })
      let expected = 0
      for (let i = 0; i < n; i++) if (i % 10 !== 9) expected += Number(i % 5 === 3) + Number(i % 7 === 4)
      const recoveries = await reports.recoveries()
      expect(recoveries).toHaveLength(expected)
      expect((await reports.recoveryStats()).count).toBe(expected)
      // Each one starts from the epoch its holder stopped at and lands on a leased epoch.
      for (const r of recoveries) {
        expect(r.toEpoch).toBeGreaterThan(r.fromEpoch)
        expect(r.gapMs).toBe(Math.max(0, r.resumedAt - r.lastSeenAt))
      }
    })
  })

  describe('node utilisation', () => {
    it('averages the last hour of history, says who is alive and counts tasks by outcome', async () => {
      const now = T0 + 10 * 3600_000
      // Node 0 (H1): two samples in the window and one too old to count; seen 10 s ago.
      const samples: Array<[number, number, number, number]> = [ // [seq, at, idle %, running]
        [1, now - 2 * 3600_000, 0, 4], [2, now - 30 * 60_000, 40, 1], [3, now - 10_000, 80, 3]
      ]
      for (const [seq, at, idle, running] of samples) {
        await store.applyNodeMeta({ ...metaOf(0, seq, at), idleCpuPct: idle, runningTasks: running }, hex(`m0-${seq}`), at)
      }
      // Node 1 (H2): last seen two minutes ago, its only sample older than an hour.
      await store.applyNodeMeta({ ...metaOf(1, 1, now - 3 * 3600_000) }, hex('m1-1'), now - 120_000)
      // H1 held four tasks of 1.5 cores each: one running, two succeeded, one failed.
      const held: Array<[number, TaskStatus]> = [[10, 'running'], [11, 'succeeded'], [12, 'succeeded'], [13, 'failed']]
      for (const [t, status] of held) {
        await apply([rec(t, 'leased', 1, 0, H1, 100), rec(t, status, 1, 1, H1, 200)])
        await db.query('UPDATE demand_jobs SET cpu = 1.5 WHERE id = $1', [taskIdOf(t)])
      }
      const [n0, n1] = await reports.nodeViews(now)
      expect(n0).toMatchObject({ peerId: H1, name: 'desk-0', alive: true, idleCpuPct: 80, runningTasks: 3, cores: 4 })
      // (1 + 3) / 2 running on average, × 1.5 cores each ÷ 4 cores = 0.75 of the machine lent.
      expect(n0!.utilisation).toEqual({ windowMin: 60, samples: 2, avgIdleCpuPct: 60, avgRunningTasks: 2, avgLentShare: 0.75 })
      expect(n0!.tasks).toEqual({ running: 1, succeeded: 2, failed: 1 })
      expect(n1).toMatchObject({ peerId: H2, alive: false, tasks: { running: 0, succeeded: 0, failed: 0 } })
      expect(n1!.utilisation).toEqual({ windowMin: 60, samples: 0, avgIdleCpuPct: null, avgRunningTasks: null, avgLentShare: null })
      expect(await reports.nodesAlive(now)).toBe(1)
    })

    it('without known task sizes, a running task counts as one core (the submit default)', async () => {
      const now = T0 + 3600_000
      await store.applyNodeMeta({ ...metaOf(2, 1, now - 60_000), runningTasks: 1 }, hex('m2-1'), now - 60_000)
      const [n] = await reports.nodeViews(now)
      expect(n!.utilisation.avgLentShare).toBe(0.25)
    })
  })
}
