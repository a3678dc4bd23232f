// The control peer's reports, read from what the store mirrored: a task's transitions, the times
// tasks spent between a holder that stopped and the next one, and per-node utilisation. Computed
// in SQL so that pg and PGlite agree and a summary over every task stays one pass over task_events.
import type { ControlNodeView, Percentiles, RecoveryView, TaskEventView } from '../../shared/control-api.js'
import { statusRank } from '../../shared/order.js'
import { TASK_STATUSES, type TaskStatus } from '../../shared/schemas.js'
import type { ControlDb } from './db.js'
import { membershipWindowMs } from '../lease/index.js'
import { DEFAULT_LEASE_TTL_MS } from '../peer/config.js'
import { ms, NODE_COLUMNS, num, toNodeRow } from './rows.js'

/** The newest transitions a job's history shows; older ones stay in the table. */
export const MAX_EVENTS = 1000
/**
 * A node whose meta was seen within a few of its liveness beats counts as alive: at least a
 * minute, longer in a large organisation, whose members beat less often (lease/membership.ts).
 */
export function aliveWindowMs (knownNodes: number): number {
  return membershipWindowMs(DEFAULT_LEASE_TTL_MS, knownNodes)
}
/** Utilisation is averaged over node_history samples this recent. */
export const UTILISATION_WINDOW_MIN = 60
/** The CPU a task asks for when nothing else is known (the submit default). */
const DEFAULT_TASK_CPU = 1

export interface RecoveryStats extends Percentiles {
  /** Sum of all gaps, for the Prometheus summary's _sum. */
  sumMs: number
}

const ts = (p: string): string => `to_timestamp(${p}::float8 / 1000)`
// statusRank written in SQL, from the one table in shared/order.ts.
const RANK = `CASE status ${TASK_STATUSES.map((s) => `WHEN '${s}' THEN ${statusRank(s)}`).join(' ')} END`
const LEASE = "status IN ('leased', 'running')"
const ENDED = "status IN ('succeeded', 'failed', 'cancelled')"

const EVENTS = `
SELECT epoch, status, seq, holder, attempts, exit_code, error, updated_at, observed_at FROM (
  SELECT *, ${RANK} AS rank FROM task_events WHERE task_id = $1
  ORDER BY epoch DESC, rank DESC, seq DESC, sig_hash ASC LIMIT ${MAX_EVENTS}
) newest
ORDER BY epoch, rank, seq, sig_hash DESC`

/**
 * One row per move of a task's lease from an epoch whose holder stopped to the next epoch someone
 * leased. Every epoch belongs to the span of the latest leased epoch at or before it, so a
 * hand-back (`queued` at epoch+1, written by the old holder) counts as the old holder's last
 * record and never as a new holder. The winner of a claim race names the epoch's holder.
 */
const recoveriesSql = (where: string): string => `
WITH per_epoch AS (
  SELECT task_id, epoch,
    bool_or(${ENDED}) AS ended,
    max(updated_at) AS last_at,
    min(updated_at) FILTER (WHERE ${LEASE}) AS first_lease_at,
    (array_agg(holder ORDER BY ${RANK} DESC, seq DESC, sig_hash ASC) FILTER (WHERE ${LEASE}))[1] AS lease_holder
  FROM task_events ${where}
  GROUP BY task_id, epoch
), spans AS (
  SELECT *, max(epoch) FILTER (WHERE first_lease_at IS NOT NULL) OVER (PARTITION BY task_id ORDER BY epoch) AS span
  FROM per_epoch
), leases AS (
  SELECT task_id, span AS epoch,
    bool_or(ended) FILTER (WHERE epoch = span) AS ended,
    min(first_lease_at) FILTER (WHERE epoch = span) AS first_lease_at,
    min(lease_holder) FILTER (WHERE epoch = span) AS holder,
    max(last_at) AS last_seen_at
  FROM spans WHERE span IS NOT NULL
  GROUP BY task_id, span
), moves AS (
  SELECT task_id, epoch AS from_epoch, holder AS from_holder, ended, last_seen_at,
    lead(epoch) OVER w AS to_epoch, lead(holder) OVER w AS to_holder, lead(first_lease_at) OVER w AS resumed_at
  FROM leases WINDOW w AS (PARTITION BY task_id ORDER BY epoch)
)
SELECT task_id, from_epoch, to_epoch, from_holder, to_holder, last_seen_at, resumed_at,
  greatest(0, round(extract(epoch FROM resumed_at - last_seen_at) * 1000))::float8 AS gap_ms
FROM moves WHERE to_epoch IS NOT NULL AND NOT ended`

const RECOVERY_STATS = `
SELECT count(*) AS n, percentile_disc(0.5) WITHIN GROUP (ORDER BY gap_ms) AS p50,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY gap_ms) AS p95, max(gap_ms) AS max, coalesce(sum(gap_ms), 0) AS total
FROM (${recoveriesSql('')}) r`

// Lent share per node: running tasks × the average CPU of the tasks it holds (the submit default
// when it holds none we know of) ÷ its cores, from the window's average of running tasks.
const NODE_VIEWS = `
WITH hist AS (
  SELECT peer_id, count(*) AS samples, avg(idle_cpu_pct)::float8 AS avg_idle, avg(running_tasks)::float8 AS avg_running
  FROM node_history WHERE updated_at >= ${ts('$1')}
  GROUP BY peer_id
), held AS (
  SELECT holder, avg(cpu)::float8 AS avg_cpu,
    count(*) FILTER (WHERE ${LEASE}) AS running,
    count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
    count(*) FILTER (WHERE status = 'failed') AS failed
  FROM demand_jobs WHERE holder IS NOT NULL
  GROUP BY holder
)
SELECT ${NODE_COLUMNS.split(',').map((c) => `n.${c.trim()}`).join(', ')},
  h.samples, h.avg_idle, h.avg_running,
  least(1.0, h.avg_running * coalesce(t.avg_cpu, ${DEFAULT_TASK_CPU}) / greatest(n.cores, 1))::float8 AS avg_lent,
  coalesce(t.running, 0) AS t_running, coalesce(t.succeeded, 0) AS t_succeeded, coalesce(t.failed, 0) AS t_failed
FROM nodes n LEFT JOIN hist h ON h.peer_id = n.peer_id LEFT JOIN held t ON t.holder = n.peer_id
ORDER BY n.name, n.peer_id`

type Raw = Record<string, unknown>

function toEventView (r: Raw): TaskEventView {
  return {
    epoch: Number(r.epoch),
    status: String(r.status) as TaskStatus,
    seq: Number(r.seq),
    holder: r.holder === null ? null : String(r.holder),
    attempts: Number(r.attempts),
    exitCode: num(r.exit_code),
    error: r.error === null ? null : String(r.error),
    updatedAt: ms(r.updated_at) ?? 0,
    observedAt: ms(r.observed_at) ?? 0
  }
}

function toRecoveryView (r: Raw): RecoveryView {
  const lastSeenAt = ms(r.last_seen_at) ?? 0
  const resumedAt = ms(r.resumed_at) ?? 0
  return {
    taskId: String(r.task_id),
    fromEpoch: Number(r.from_epoch),
    toEpoch: Number(r.to_epoch),
    fromHolder: r.from_holder === null ? null : String(r.from_holder),
    toHolder: r.to_holder === null ? null : String(r.to_holder),
    lastSeenAt,
    resumedAt,
    gapMs: Number(r.gap_ms)
  }
}

export class ControlReports {
  private readonly db: ControlDb

  constructor (db: ControlDb) {
    this.db = db
  }

  /** A task's transitions, oldest first by the record order; the newest MAX_EVENTS of them. */
  async events (taskId: string): Promise<TaskEventView[]> {
    const { rows } = await this.db.query(EVENTS, [taskId])
    return rows.map(toEventView)
  }

  /** Lease moves after a holder stopped (expiry or hand-back): of one task, or of every task. */
  async recoveries (taskId?: string): Promise<RecoveryView[]> {
    const { rows } = taskId === undefined
      ? await this.db.query(`${recoveriesSql('')} ORDER BY task_id, from_epoch`)
      : await this.db.query(`${recoveriesSql('WHERE task_id = $1')} ORDER BY from_epoch`, [taskId])
    return rows.map(toRecoveryView)
  }

  /** Percentiles of every task's recovery gaps (nearest-rank: each is a gap that happened). */
  async recoveryStats (): Promise<RecoveryStats> {
    const { rows } = await this.db.query(RECOVERY_STATS)
    const r = rows[0] as Raw
    return { count: Number(r.n), p50Ms: num(r.p50), p95Ms: num(r.p95), maxMs: num(r.max), sumMs: Number(r.total) }
  }

  /** How many nodes were seen within the alive window before `now`. */
  async nodesAlive (now = Date.now()): Promise<number> {
    const known = Number(((await this.db.query('SELECT count(*) AS n FROM nodes')).rows[0] as Raw).n)
    const { rows } = await this.db.query(`SELECT count(*) AS n FROM nodes WHERE last_seen >= ${ts('$1')}`, [now - aliveWindowMs(known)])
    return Number((rows[0] as Raw).n)
  }

  /** Every known node with its liveness, utilisation over the last UTILISATION_WINDOW_MIN and task outcomes. */
  async nodeViews (now = Date.now()): Promise<ControlNodeView[]> {
    const { rows } = await this.db.query(NODE_VIEWS, [now - UTILISATION_WINDOW_MIN * 60_000])
    const windowMs = aliveWindowMs(rows.length)
    return rows.map((r: Raw) => {
      const node = toNodeRow(r)
      const samples = Number(r.samples ?? 0)
      return {
        ...node,
        alive: node.lastSeen >= now - windowMs,
        utilisation: {
          windowMin: UTILISATION_WINDOW_MIN,
          samples,
          avgIdleCpuPct: samples === 0 ? null : num(r.avg_idle),
          avgRunningTasks: samples === 0 ? null : num(r.avg_running),
          avgLentShare: samples === 0 ? null : num(r.avg_lent)
        },
        tasks: { running: Number(r.t_running), succeeded: Number(r.t_succeeded), failed: Number(r.t_failed) }
      }
    })
  }
}
