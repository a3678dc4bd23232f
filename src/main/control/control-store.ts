// The control peer's mirror of the DHT in SQL. Every write is idempotent and moves a row only
// forward by the record order (shared/order.ts), so replays, duplicates and late arrivals from
// gossip, DHT reads or the reconciler can be applied in any order and converge on the DHT's choice.
import { statusRank } from '../../shared/order.js'
import { TASK_STATUSES, type NodeMeta, type TaskSpec, type TaskState, type TaskStatus } from '../../shared/schemas.js'
import { isTerminal } from '../../shared/task-state.js'
import type { ControlDb } from './db.js'
import { InvalidQueryError } from './errors.js'
import { JOB_COLUMNS, NODE_COLUMNS, toJobRow, toNodeRow, type JobRow, type NodeRow } from './rows.js'

const DEFAULT_JOBS_LIMIT = 100
const MAX_JOBS_LIMIT = 1000

// ms since the epoch → timestamptz; the float8 cast keeps the parameter's type the same in pg and PGlite.
const ts = (p: string): string => `to_timestamp(${p}::float8 / 1000)`

// One statement, so the event and the row move together without an explicit transaction. The
// row-value comparison is compareTaskState written in SQL: (epoch, status rank, seq) higher wins,
// then the smaller sig hash. ON CONFLICT … DO UPDATE locks the row and evaluates WHERE against its
// latest committed version, so concurrent writers cannot move it backwards either.
const APPLY_STATE = `
WITH event AS (
  INSERT INTO task_events (task_id, epoch, status, seq, holder, attempts, exit_code, error, result_cid, sig_hash, updated_at, observed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${ts('$11')}, ${ts('$12')})
  ON CONFLICT (task_id, epoch, status, seq, sig_hash) DO NOTHING
)
INSERT INTO demand_jobs AS j (id, lease_token, status, seq, holder, attempts, exit_code, error, result_cid, sig_hash,
  updated_at, observed_at, spec_hash, submitter, status_rank, terminal, ttl_sec, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${ts('$11')}, ${ts('$12')}, $13, $14, $15, $16, $17,
  CASE WHEN $16 THEN ${ts('$11')} END)
ON CONFLICT (id) DO UPDATE SET
  lease_token = EXCLUDED.lease_token, status = EXCLUDED.status, seq = EXCLUDED.seq, holder = EXCLUDED.holder,
  attempts = EXCLUDED.attempts, exit_code = EXCLUDED.exit_code, error = EXCLUDED.error, result_cid = EXCLUDED.result_cid,
  sig_hash = EXCLUDED.sig_hash, updated_at = EXCLUDED.updated_at, observed_at = EXCLUDED.observed_at,
  status_rank = EXCLUDED.status_rank, terminal = EXCLUDED.terminal, ttl_sec = EXCLUDED.ttl_sec,
  finished_at = EXCLUDED.finished_at,
  spec_hash = COALESCE(j.spec_hash, EXCLUDED.spec_hash), submitter = COALESCE(j.submitter, EXCLUDED.submitter)
WHERE j.lease_token IS NULL
  OR (EXCLUDED.lease_token, EXCLUDED.status_rank, EXCLUDED.seq) > (j.lease_token, j.status_rank, j.seq)
  OR ((EXCLUDED.lease_token, EXCLUDED.status_rank, EXCLUDED.seq) = (j.lease_token, j.status_rank, j.seq)
      AND EXCLUDED.sig_hash < j.sig_hash)
RETURNING j.id`

// A spec is immutable (its hash is the task id): the first copy fills the columns, later ones are no-ops.
const APPLY_SPEC = `
INSERT INTO demand_jobs AS j (id, submitter, submitter_name, image, command, cpu, memory_mb, timeout_sec,
  max_attempts, retry_on_failure, network, created_at)
VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9, $10, $11, ${ts('$12')})
ON CONFLICT (id) DO UPDATE SET
  submitter = EXCLUDED.submitter, submitter_name = EXCLUDED.submitter_name, image = EXCLUDED.image,
  command = EXCLUDED.command, cpu = EXCLUDED.cpu, memory_mb = EXCLUDED.memory_mb, timeout_sec = EXCLUDED.timeout_sec,
  max_attempts = EXCLUDED.max_attempts, retry_on_failure = EXCLUDED.retry_on_failure, network = EXCLUDED.network,
  created_at = EXCLUDED.created_at
WHERE j.image IS NULL`

// Node meta is versioned by its writer's seq (compareBySeq): higher seq wins, then smaller sig hash.
// last_seen is when this peer first saw the winning record: a stale copy replayed later proves
// nothing about the node being alive now, so it must not refresh last_seen.
const APPLY_NODE_META = `
WITH history AS (
  INSERT INTO node_history (peer_id, seq, sig_hash, idle_cpu_pct, free_mem_mb, lendable_cpu, lendable_mem_mb,
    sharing, docker_ok, running_tasks, updated_at, observed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${ts('$11')}, ${ts('$12')})
  ON CONFLICT (peer_id, seq, sig_hash) DO NOTHING
)
INSERT INTO nodes AS n (peer_id, seq, sig_hash, idle_cpu_pct, free_mem_mb, lendable_cpu, lendable_mem_mb,
  sharing, docker_ok, running_tasks, updated_at, last_seen, name, version, cores, allow_network, addrs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${ts('$11')}, ${ts('$12')}, $13, $14, $15, $16, $17::text::jsonb)
ON CONFLICT (peer_id) DO UPDATE SET
  seq = EXCLUDED.seq, sig_hash = EXCLUDED.sig_hash, idle_cpu_pct = EXCLUDED.idle_cpu_pct,
  free_mem_mb = EXCLUDED.free_mem_mb, lendable_cpu = EXCLUDED.lendable_cpu, lendable_mem_mb = EXCLUDED.lendable_mem_mb,
  sharing = EXCLUDED.sharing, docker_ok = EXCLUDED.docker_ok, running_tasks = EXCLUDED.running_tasks,
  updated_at = EXCLUDED.updated_at, last_seen = EXCLUDED.last_seen, name = EXCLUDED.name,
  version = EXCLUDED.version, cores = EXCLUDED.cores, allow_network = EXCLUDED.allow_network, addrs = EXCLUDED.addrs
WHERE EXCLUDED.seq > n.seq OR (EXCLUDED.seq = n.seq AND EXCLUDED.sig_hash < n.sig_hash)
RETURNING n.peer_id`

// A finished task's figures, recomputed from its whole event history (so replays and late events
// converge on the same values; a row that is no longer terminal loses them): wait = submission → first lease, run = the final run's first
// 'running' → the result, total = submission → result (writers' clocks), holders = peers that held it.
const ms = (a: string, b: string): string => `round((extract(epoch from ${a}) - extract(epoch from ${b})) * 1000)::bigint`
const REFRESH_METRICS = `
UPDATE demand_jobs AS j SET metrics = CASE WHEN j.terminal THEN jsonb_build_object(
  'waitMs', (SELECT ${ms('min(e.updated_at)', 'j.created_at')} FROM task_events e WHERE e.task_id = j.id AND e.status IN ('leased', 'running')),
  'runMs', (SELECT ${ms('j.finished_at', 'min(e.updated_at)')} FROM task_events e WHERE e.task_id = j.id AND e.epoch = j.lease_token AND e.status = 'running'),
  'totalMs', ${ms('j.finished_at', 'j.created_at')},
  'holders', (SELECT count(DISTINCT e.holder) FROM task_events e WHERE e.task_id = j.id AND e.status IN ('leased', 'running')),
  'epochs', j.lease_token) END
WHERE j.id = $1 AND (j.terminal OR j.metrics IS NOT NULL)`

export interface StoreSummary {
  tasks: number
  byStatus: Record<string, number>
  /** succeeded / (succeeded + failed); cancelled tasks are the user's choice, not a failure. */
  successRate: number | null
  nodes: number
}

export class ControlStore {
  private readonly db: ControlDb

  constructor (db: ControlDb) {
    this.db = db
  }

  /** Records a task's spec; applying it again (or after its state) changes nothing. */
  async applySpec (taskId: string, spec: TaskSpec): Promise<void> {
    await this.db.query(APPLY_SPEC, [
      taskId, spec.submitter, spec.submitterName, spec.image, JSON.stringify(spec.command), spec.cpu, spec.memoryMb,
      spec.timeoutSec, spec.maxAttempts, spec.retryOnFailure, spec.network, spec.createdAt
    ])
    await this.db.query(REFRESH_METRICS, [taskId])
  }

  /**
   * Records one observed state record (its event is kept once) and moves the task's row to it
   * only if it is better by the record order. Returns whether the row changed.
   */
  async applyState (state: TaskState, sigHash: string, observedAt: number): Promise<boolean> {
    const { rows } = await this.db.query(APPLY_STATE, [
      state.taskId, state.epoch, state.status, state.seq, state.holder, state.attempts, state.exitCode, state.error,
      state.resultCid, sigHash, state.updatedAt, observedAt, state.specHash, state.submitter,
      statusRank(state.status), isTerminal(state.status), state.ttlMs / 1000
    ])
    // Also when the row did not move: a late event of a finished task still counts in its figures.
    await this.db.query(REFRESH_METRICS, [state.taskId])
    return rows.length > 0
  }

  /** Records one observed node meta record; the nodes row moves only to a better one. */
  async applyNodeMeta (meta: NodeMeta, sigHash: string, observedAt: number): Promise<boolean> {
    const { rows } = await this.db.query(APPLY_NODE_META, [
      meta.peerId, meta.seq, sigHash, meta.idleCpuPct, meta.freeMemMb, meta.lendableCpu, meta.lendableMemMb,
      meta.sharing, meta.dockerOk, meta.runningTasks, meta.updatedAt, observedAt, meta.name, meta.version,
      meta.cores, meta.allowNetwork, JSON.stringify(meta.addrs)
    ])
    return rows.length > 0
  }

  /** Tasks not known to be finished (including those whose state was never seen): reconcile these. */
  /** Tasks a reconcile pass reads: every open one, and any row still without its spec (image). */
  async openTasks (): Promise<Array<{ id: string, hasSpec: boolean }>> {
    const { rows } = await this.db.query<{ id: string, has_spec: boolean }>('SELECT id, image IS NOT NULL AS has_spec FROM demand_jobs WHERE NOT terminal OR image IS NULL ORDER BY id')
    return rows.map((r) => ({ id: r.id, hasSpec: Boolean(r.has_spec) }))
  }

  async openTaskIds (): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM demand_jobs WHERE NOT terminal ORDER BY id')
    return rows.map((r) => r.id)
  }

  async job (taskId: string): Promise<JobRow | undefined> {
    const { rows } = await this.db.query(`SELECT ${JOB_COLUMNS} FROM demand_jobs WHERE id = $1`, [taskId])
    return rows[0] === undefined ? undefined : toJobRow(rows[0])
  }

  /** Most recently updated first; tasks whose state was never seen come last. */
  async jobs (opts: { limit?: number, status?: string } = {}): Promise<JobRow[]> {
    const limit = opts.limit ?? DEFAULT_JOBS_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOBS_LIMIT) {
      throw new InvalidQueryError('limit', `limit must be a whole number from 1 to ${MAX_JOBS_LIMIT}`)
    }
    const params: unknown[] = [limit]
    let where = ''
    if (opts.status !== undefined) {
      if (!(TASK_STATUSES as readonly string[]).includes(opts.status)) {
        throw new InvalidQueryError('status', `status must be one of ${TASK_STATUSES.join(', ')}`)
      }
      params.push(opts.status as TaskStatus)
      where = 'WHERE status = $2'
    }
    const { rows } = await this.db.query(
      `SELECT ${JOB_COLUMNS} FROM demand_jobs ${where} ORDER BY updated_at DESC NULLS LAST, id LIMIT $1`, params)
    return rows.map(toJobRow)
  }

  async nodes (): Promise<NodeRow[]> {
    const { rows } = await this.db.query(`SELECT ${NODE_COLUMNS} FROM nodes ORDER BY name, peer_id`)
    return rows.map(toNodeRow)
  }

  async summary (): Promise<StoreSummary> {
    const [byStatusRows, nodeRows] = await Promise.all([
      this.db.query<{ status: string | null, n: unknown }>('SELECT status, count(*) AS n FROM demand_jobs GROUP BY status'),
      this.db.query<{ n: unknown }>('SELECT count(*) AS n FROM nodes')
    ])
    const byStatus: Record<string, number> = {}
    let tasks = 0
    for (const r of byStatusRows.rows) {
      const n = Number(r.n)
      // A row with no state yet has only its spec: reported as 'unknown', never guessed as queued.
      byStatus[r.status ?? 'unknown'] = n
      tasks += n
    }
    const ok = byStatus.succeeded ?? 0
    const finished = ok + (byStatus.failed ?? 0)
    return { tasks, byStatus, successRate: finished === 0 ? null : ok / finished, nodes: Number(nodeRows.rows[0]?.n ?? 0) }
  }
}
