// What the store's reads return, and the mapping from SQL rows. Both drivers agree on most types
// but not all: pg returns bigint and count(*) as strings, PGlite as numbers; both give Dates.
import type { SharingMode, TaskStatus } from '../../shared/schemas.js'

/** One task as the control peer knows it: the spec (once seen) and the selected state record. */
export interface JobRow {
  id: string
  /** null until a state record of the task has been seen (only the spec is known). */
  status: TaskStatus | null
  /** The fencing epoch of the selected state. */
  leaseToken: number | null
  holder: string | null
  seq: number | null
  attempts: number | null
  exitCode: number | null
  error: string | null
  resultCid: string | null
  sigHash: string | null
  ttlSec: number | null
  submitter: string | null
  submitterName: string | null
  /** Spec fields: null until the spec record has been seen (a state may arrive first). */
  image: string | null
  command: string[] | null
  cpu: number | null
  memoryMb: number | null
  timeoutSec: number | null
  maxAttempts: number | null
  metrics: Record<string, unknown> | null
  /** The spec's createdAt (submitter's clock), ms. */
  createdAt: number | null
  /** The selected state's updatedAt (its writer's clock, display only), ms. */
  updatedAt: number | null
  /** updatedAt of the terminal state, when the task is finished. */
  finishedAt: number | null
  /** When this control peer first saw the selected state record (its own clock), ms. */
  observedAt: number | null
}

export interface NodeRow {
  peerId: string
  name: string
  version: string
  cores: number
  idleCpuPct: number
  freeMemMb: number
  lendableCpu: number
  lendableMemMb: number
  sharing: SharingMode
  dockerOk: boolean
  allowNetwork: boolean
  runningTasks: number
  seq: number
  sigHash: string
  updatedAt: number
  /** When this control peer first saw the node's newest meta record. */
  lastSeen: number
}

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
