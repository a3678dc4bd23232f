// How the control peer's figures read on the dashboard: rates, recovery times, the database's
// state, status counts. Words, so nothing is told by colour alone.
import type { ControlNodeView, ControlSummary, JobRow, Percentiles, TaskEventView } from '../../shared/control-api.js'
import { TASK_STATUSES } from '../../shared/schemas.js'
import { isTerminal } from '../../shared/task-state.js'
import { formatDuration } from '../../shared/time-format.js'
import { formatPercent, peerIdTail } from './units.js'

/**
 * "100 %", "97.5 %", "—" before anything finished. Never rounds up to 100 % or down to 0 %, so one
 * failure in a thousand tasks still shows.
 */
export function formatRate (rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—'
  if (rate >= 1) return '100 %'
  if (rate <= 0) return '0 %'
  const pct = Math.min(99.9, Math.max(0.1, Math.round(rate * 1000) / 10))
  return `${pct} %`
}

/** A recovery gap: tenths of a second below 10 s (most re-claims take seconds), then as durations elsewhere. */
export function gapText (ms: number | null): string {
  if (ms === null) return '—'
  return ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : formatDuration(ms)
}

/** "p50 2.1 s · p95 8.0 s · max 12 s", or that nothing needed recovering. */
export function recoveryText (p: Percentiles): string {
  if (p.count === 0) return 'no recoveries yet'
  return `p50 ${gapText(p.p50Ms)} · p95 ${gapText(p.p95Ms)} · max ${gapText(p.maxMs)}`
}

export const recoveryCountText = (n: number): string => n === 0 ? 'No task moved to another peer' : `${n} task${n === 1 ? '' : 's'} moved to another peer`

/** "up", "down, buffering 12 records", "up, 3 dropped": the state, then what waits or was lost. */
export function databaseText (db: ControlSummary['database']): string {
  const parts = [db.up ? 'up' : 'down']
  if (db.queued > 0) parts.push(`buffering ${db.queued.toLocaleString('en')} record${db.queued === 1 ? '' : 's'}`)
  if (db.dropped > 0) parts.push(`${db.dropped.toLocaleString('en')} dropped`)
  return parts.join(', ')
}

/** The banner's sentence while the database is away: what is kept, what was lost, what happens next. */
export function databaseDownText (db: ControlSummary['database']): string {
  const records = (n: number): string => `${n.toLocaleString('en')} record${n === 1 ? '' : 's'}`
  const kept = db.queued > 0 ? `, buffers ${records(db.queued)}` : ''
  const lost = db.dropped > 0 ? ` (${records(db.dropped)} did not fit the buffer; a reconcile recovers them)` : ''
  return `The database is down: the control peer keeps observing${kept}${lost} and catches up when the database is back.`
}

export const databaseKindText = (kind: ControlSummary['database']['kind']): string => kind === 'pg' ? 'PostgreSQL' : 'PGlite (embedded)'

/** The statuses in their life order, then 'unknown' (only the spec seen); zero counts left out. */
export function statusCounts (byStatus: Record<string, number>): Array<{ status: string, count: number }> {
  const order: string[] = [...TASK_STATUSES, 'unknown']
  const known = order.filter((s) => (byStatus[s] ?? 0) > 0).map((status) => ({ status, count: byStatus[status]! }))
  // A status this UI does not know yet still counts, after the known ones.
  const other = Object.keys(byStatus).filter((s) => !order.includes(s) && byStatus[s]! > 0).sort()
  return known.concat(other.map((status) => ({ status, count: byStatus[status]! })))
}

/** "3 running · 10 succeeded", "none yet". */
export function statusCountsText (byStatus: Record<string, number>): string {
  const counts = statusCounts(byStatus)
  return counts.length === 0 ? 'none yet' : counts.map((c) => `${c.count} ${c.status}`).join(' · ')
}

/** "15:42:07" today, else "2025-03-04 15:42:07": the dashboard refreshes every few seconds, so minutes alone would not show it. */
export function clockWithSeconds (ms: number, now: number): string {
  const d = new Date(ms)
  const two = (n: number): string => String(n).padStart(2, '0')
  const day = (x: Date): string => `${x.getFullYear()}-${two(x.getMonth() + 1)}-${two(x.getDate())}`
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  return day(d) === day(new Date(now)) ? clock : `${day(d)} ${clock}`
}

/** A lent share of cores (0..1) as a percentage; "—" with no sample in the window. */
export const shareText = (share: number | null): string => share === null ? '—' : formatPercent(share * 100)

/** "last hour", "last 15 min": the utilisation window in words. */
export const windowText = (minutes: number): string => minutes === 60 ? 'last hour' : `last ${minutes} min`

/** A node by its chosen name, else its id tail. */
export function nodeName (peerId: string, nodes: readonly Pick<ControlNodeView, 'peerId' | 'name'>[] | undefined): string {
  const name = nodes?.find((n) => n.peerId === peerId)?.name
  return name !== undefined && name !== '' ? name : peerIdTail(peerId)
}

/** A task's status in words: 'unknown' while only its spec has been seen. */
export const jobStatusText = (job: Pick<JobRow, 'status'>): string => job.status ?? 'unknown'

/** From submission to the end (finished) or to now (open); undefined when the start is unknown. */
export function jobDurationMs (job: Pick<JobRow, 'createdAt' | 'finishedAt' | 'updatedAt' | 'status'>, now: number): number | undefined {
  if (job.createdAt === null) return undefined
  const finished = job.status !== null && isTerminal(job.status)
  const end = finished ? (job.finishedAt ?? job.updatedAt ?? now) : now
  return Math.max(0, end - job.createdAt)
}

/** Consecutive records of one holding (same epoch, status and holder) shown as one transition. */
export interface TransitionRow {
  epoch: number
  status: TaskEventView['status']
  holder: string | null
  attempts: number
  /** The first and the last record of the run (writers' clocks). */
  firstAt: number
  lastAt: number
  /** How many records the run holds: a running task renews its lease every few seconds. */
  records: number
}

/**
 * task_events keeps every record, and a running task writes one per lease renewal; the people
 * reading the history want the transitions, so renewals fold into the row they renew.
 */
export function collapseTransitions (events: readonly TaskEventView[]): TransitionRow[] {
  const rows: TransitionRow[] = []
  for (const e of events) {
    const last = rows[rows.length - 1]
    if (last !== undefined && last.epoch === e.epoch && last.status === e.status && last.holder === e.holder) {
      rows[rows.length - 1] = { ...last, attempts: e.attempts, lastAt: Math.max(last.lastAt, e.updatedAt), records: last.records + 1 }
    } else {
      rows.push({ epoch: e.epoch, status: e.status, holder: e.holder, attempts: e.attempts, firstAt: e.updatedAt, lastAt: e.updatedAt, records: 1 })
    }
  }
  return rows
}
