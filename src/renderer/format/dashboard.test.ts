import { describe, expect, it } from 'vitest'
import type { ControlSummary, JobRow, TaskEventView } from '../../shared/control-api.js'
import {
  clockWithSeconds, collapseTransitions, databaseDownText, databaseText, formatRate, gapText, jobDurationMs, nodeName, recoveryText, shareText,
  statusCounts, statusCountsText, windowText
} from './dashboard.js'

const db = (over: Partial<ControlSummary['database']> = {}): ControlSummary['database'] =>
  ({ kind: 'pglite', up: true, queued: 0, dropped: 0, written: 10, lastReconcileAt: null, ...over })

describe('dashboard figures in words', () => {
  it('writes the success rate without rounding a failure away', () => {
    expect(formatRate(1)).toBe('100 %')
    expect(formatRate(0)).toBe('0 %')
    expect(formatRate(null)).toBe('—')
    expect(formatRate(0.975)).toBe('97.5 %')
    expect(formatRate(2 / 3)).toBe('66.7 %')
    // 999 of 1000: one failure must not read as 100 %, one success not as 0 %.
    expect(formatRate(0.9999)).toBe('99.9 %')
    expect(formatRate(0.0001)).toBe('0.1 %')
  })

  it('writes recovery gaps in tenths of a second when short, as durations when long', () => {
    expect(gapText(1400)).toBe('1.4 s')
    expect(gapText(-5)).toBe('0.0 s')
    expect(gapText(65_000)).toBe('1 min')
    expect(gapText(null)).toBe('—')
    expect(recoveryText({ count: 0, p50Ms: null, p95Ms: null, maxMs: null })).toBe('no recoveries yet')
    expect(recoveryText({ count: 3, p50Ms: 2100, p95Ms: 8000, maxMs: 12_000 })).toBe('p50 2.1 s · p95 8.0 s · max 12 s')
  })

  it('says the database state: up, buffering, dropped, down', () => {
    expect(databaseText(db())).toBe('up')
    expect(databaseText(db({ up: false, queued: 12 }))).toBe('down, buffering 12 records')
    expect(databaseText(db({ queued: 1, dropped: 1500 }))).toBe('up, buffering 1 record, 1,500 dropped')
    expect(databaseDownText(db({ up: false, queued: 3 }))).toBe('The database is down: the control peer keeps observing, buffers 3 records and catches up when the database is back.')
    expect(databaseDownText(db({ up: false }))).toBe('The database is down: the control peer keeps observing and catches up when the database is back.')
    expect(databaseDownText(db({ up: false, queued: 50_000, dropped: 1 }))).toContain('buffers 50,000 records (1 record did not fit the buffer; a reconcile recovers them)')
  })

  it('lists status counts in life order, unknown (spec only) last, zeros left out', () => {
    const byStatus = { failed: 1, succeeded: 10, unknown: 2, running: 0, queued: 3, paused: 1 }
    expect(statusCounts(byStatus).map((c) => c.status)).toEqual(['queued', 'succeeded', 'failed', 'unknown', 'paused'])
    expect(statusCountsText({ running: 2, succeeded: 5 })).toBe('2 running · 5 succeeded')
    expect(statusCountsText({})).toBe('none yet')
  })

  it('shows times with seconds, and the date when not today', () => {
    const now = new Date(2025, 2, 4, 16, 0, 0).getTime()
    expect(clockWithSeconds(new Date(2025, 2, 4, 15, 42, 7).getTime(), now)).toBe('15:42:07')
    expect(clockWithSeconds(new Date(2025, 2, 3, 9, 5, 0).getTime(), now)).toBe('2025-03-03 09:05:00')
  })

  it('measures a task from submission to its end, or to now while open', () => {
    const job = { createdAt: 1000, finishedAt: 4000, updatedAt: 4000, status: 'succeeded' } as Pick<JobRow, 'createdAt' | 'finishedAt' | 'updatedAt' | 'status'>
    expect(jobDurationMs(job, 99_000)).toBe(3000)
    expect(jobDurationMs({ ...job, status: 'running', finishedAt: null }, 9000)).toBe(8000)
    expect(jobDurationMs({ ...job, createdAt: null }, 9000)).toBeUndefined()
  })

  it('names nodes, utilisation and its window', () => {
    const nodes = [{ peerId: '12D3KooWfirst', name: 'desk-1' }, { peerId: '12D3KooWunnamed', name: '' }]
    expect(nodeName('12D3KooWfirst', nodes)).toBe('desk-1')
    expect(nodeName('12D3KooWunnamed', nodes)).toBe('…Wunnamed')
    expect(nodeName('12D3KooWabsent1', undefined)).toBe('…Wabsent1')
    expect(shareText(0.354)).toBe('35 %')
    expect(shareText(null)).toBe('—')
    expect(windowText(60)).toBe('last hour')
    expect(windowText(15)).toBe('last 15 min')
  })

  it('folds lease renewals into the transition they renew', () => {
    const ev = (epoch: number, status: TaskEventView['status'], holder: string | null, at: number, seq = at): TaskEventView =>
      ({ epoch, status, seq, holder, attempts: epoch, exitCode: null, error: null, updatedAt: at, observedAt: at })
    const rows = collapseTransitions([
      ev(0, 'queued', null, 1), ev(1, 'leased', 'P1', 2), ev(1, 'running', 'P1', 3), ev(1, 'running', 'P1', 6), ev(1, 'running', 'P1', 9),
      // P1 stopped; P2 re-claims at epoch 2 and runs it to the end.
      ev(2, 'running', 'P2', 20), ev(2, 'running', 'P2', 23), ev(2, 'succeeded', 'P2', 24)
    ])
    expect(rows.map((r) => `${r.epoch} ${r.status} ${r.holder ?? '-'} ×${r.records} ${r.firstAt}-${r.lastAt}`)).toEqual([
      '0 queued - ×1 1-1', '1 leased P1 ×1 2-2', '1 running P1 ×3 3-9', '2 running P2 ×2 20-23', '2 succeeded P2 ×1 24-24'
    ])
    expect(collapseTransitions([])).toEqual([])
  })
})
