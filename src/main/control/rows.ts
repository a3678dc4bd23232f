// What the store's reads return, and the mapping from SQL rows. Both drivers agree on most types
// but not all: pg returns bigint and count(*) as strings, PGlite as numbers; both give Dates.
import type { JobRow, NodeRow } from '../../shared/control-api.js'
import type { SharingMode, TaskStatus } from '../../shared/schemas.js'

export type { JobRow, NodeRow }

type Raw = Record<string, unknown>

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
export const ms = (v: unknown): number | null =>
  v === null || v === undefined ? null : v instanceof Date ? v.getTime() : new Date(String(v)).getTime()

export const JOB_COLUMNS = `id, status, lease_token, holder, seq, attempts, exit_code, error, result_cid, sig_hash,
  ttl_sec, submitter, submitter_name, image, command, cpu, memory_mb, timeout_sec, max_attempts, metrics,
  created_at, updated_at, finished_at, observed_at`

export function toJobRow (r: Raw): JobRow {
  return {
    id: String(r.id),
    status: str(r.status) as TaskStatus | null,
    leaseToken: num(r.lease_token),
    holder: str(r.holder),
    seq: num(r.seq),
    attempts: num(r.attempts),
    exitCode: num(r.exit_code),
    error: str(r.error),
    resultCid: str(r.result_cid),
    sigHash: str(r.sig_hash),
    ttlSec: num(r.ttl_sec),
    submitter: str(r.submitter),
    submitterName: str(r.submitter_name),
    image: str(r.image),
    command: (r.command ?? null) as string[] | null,
    cpu: num(r.cpu),
    memoryMb: num(r.memory_mb),
    timeoutSec: num(r.timeout_sec),
    maxAttempts: num(r.max_attempts),
    metrics: (r.metrics ?? null) as Record<string, unknown> | null,
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
    finishedAt: ms(r.finished_at),
    observedAt: ms(r.observed_at)
  }
}

export const NODE_COLUMNS = `peer_id, name, version, cores, idle_cpu_pct, free_mem_mb, lendable_cpu, lendable_mem_mb,
  sharing, docker_ok, allow_network, running_tasks, seq, sig_hash, updated_at, last_seen`

export function toNodeRow (r: Raw): NodeRow {
  return {
    peerId: String(r.peer_id),
    name: String(r.name),
    version: String(r.version),
    cores: Number(r.cores),
    idleCpuPct: Number(r.idle_cpu_pct),
    freeMemMb: Number(r.free_mem_mb),
    lendableCpu: Number(r.lendable_cpu),
    lendableMemMb: Number(r.lendable_mem_mb),
    sharing: String(r.sharing) as SharingMode,
    dockerOk: Boolean(r.docker_ok),
    allowNetwork: Boolean(r.allow_network),
    runningTasks: Number(r.running_tasks),
    seq: Number(r.seq),
    sigHash: String(r.sig_hash),
    updatedAt: ms(r.updated_at) ?? 0,
    lastSeen: ms(r.last_seen) ?? 0
  }
}
