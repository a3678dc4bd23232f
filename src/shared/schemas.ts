// zod schemas for everything that crosses a trust boundary: DHT records, gossip, API, CLI.
// Every limit here is part of the protocol: a record outside them is rejected by every peer.
import { z } from 'zod'

export const PROTOCOL_VERSION = 1

/** A libp2p peer id string (base58btc Ed25519 identity multihash "12D3Koo…"). */
/** A base58btc libp2p peer id (Ed25519 keys give 12D3Koo…, 52 characters). */
export const PEER_ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{46,60}$/
export const peerIdString = z.string().regex(PEER_ID_PATTERN, 'must be a libp2p peer id')
/** Task ids are lowercase hex sha-256 digests. */
export const taskIdString = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-character hex task id')
const hex64 = taskIdString

export const TASK_STATUSES = ['queued', 'leased', 'running', 'succeeded', 'failed', 'cancelled'] as const
export const taskStatus = z.enum(TASK_STATUSES)
export type TaskStatus = z.infer<typeof taskStatus>
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled']

export const SHARING_MODES = ['on', 'paused', 'idle-only', 'snoozed'] as const
export const sharingMode = z.enum(SHARING_MODES)
export type SharingMode = z.infer<typeof sharingMode>

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'env names are letters, digits and _, not starting with a digit')

/** The fields a submitter chooses; shared by the spec record and the submit request (shared/api). */
export const taskRequestFields = {
  image: z.string().min(1, 'image is required').max(256).regex(/^[^\s]+$/, 'image must not contain spaces'),
  command: z.array(z.string().max(4096)).min(1, 'command is required').max(256),
  cpu: z.number().min(0.1, 'cpu must be at least 0.1').max(64, 'cpu must be at most 64'),
  memoryMb: z.number().int('memory must be whole MiB').min(16, 'memory must be at least 16 MiB').max(262144, 'memory must be at most 256 GiB'),
  timeoutSec: z.number().int('timeout must be whole seconds').min(1, 'timeout must be at least 1 s').max(7 * 86400, 'timeout must be at most 7 days'),
  env: z.record(envKey, z.string().max(4096)).refine((e) => Object.keys(e).length <= 64, 'at most 64 env variables'),
  maxAttempts: z.number().int().min(1, 'max attempts must be at least 1').max(10, 'max attempts must be at most 10'),
  retryOnFailure: z.boolean(),
  /** The task asks for network access; only providers whose policy allows it claim it. */
  network: z.boolean()
}

/** A content id as this product writes it: CIDv1 in base32 ("bafy…"), as Helia's unixfs makes them. */
export const cidString = z.string().regex(/^b[a-z2-7]{50,120}$/, 'must be a CIDv1 in base32 (bafy…)')

/** Largest number of inputs one task may carry, and of bytes in all of them together (1 TiB). */
export const MAX_TASK_INPUTS = 16
export const MAX_TASK_INPUT_BYTES = 2 ** 40

/**
 * One input of a task: content the submitter seeds, mounted read-only at /input/<name>.
 * A name is one path part, so it can never point outside /input.
 */
export const taskInputSchema = z.object({
  name: z.string().min(1, 'input names are not empty').max(128, 'input names are at most 128 characters')
    .regex(/^[^/\\\0]+$/, 'input names are one file name, without / or \\')
    .refine(n => n !== '.' && n !== '..', 'input names cannot be . or ..'),
  cid: cidString,
  bytes: z.number().int().nonnegative().max(MAX_TASK_INPUT_BYTES)
}).strict()
export type TaskInput = z.infer<typeof taskInputSchema>

/** All of a task's inputs together, in bytes. */
export const inputBytes = (inputs: ReadonlyArray<{ bytes: number }> | undefined): number => (inputs ?? []).reduce((n, i) => n + i.bytes, 0)

export const taskInputsSchema = z.array(taskInputSchema).max(MAX_TASK_INPUTS, `at most ${MAX_TASK_INPUTS} inputs`)
  .refine(list => new Set(list.map(i => i.name)).size === list.length, 'input names must differ (each is /input/<name>)')
  .refine(list => inputBytes(list) <= MAX_TASK_INPUT_BYTES, 'inputs are at most 1 TiB together')

/** What a submitter asks for. Immutable once posted: its hash is the task id. */
export const taskSpecSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  submitter: peerIdString,
  submitterName: z.string().max(64),
  ...taskRequestFields,
  /** Absent (not empty) when the task has none, so specs without inputs stay as they were. */
  inputs: taskInputsSchema.optional(),
  createdAt: z.number().int().nonnegative(),
  nonce: z.string().min(8).max(64)
}).strict()
export type TaskSpec = z.infer<typeof taskSpecSchema>

/**
 * The mutable state of a task; ordered by shared/order.ts.
 * epoch 0 is written by the submitter (queued, or cancelled before anyone claimed it); epoch ≥ 1 is
 * written by `holder`. A hand-back is `queued` at a fresh epoch written by the releaser, because a
 * record at the same epoch could never outrank the releaser's own `running` record.
 */
export const taskStateSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  taskId: taskIdString,
  submitter: peerIdString,
  specHash: hex64,
  status: taskStatus,
  epoch: z.number().int().min(0).max(1_000_000),
  holder: peerIdString.nullable(),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  attempts: z.number().int().min(0).max(1000),
  ttlMs: z.number().int().min(500).max(600_000),
  exitCode: z.number().int().nullable(),
  error: z.string().max(1024).nullable(),
  resultCid: z.string().max(128).nullable(),
  // Wall-clock time for display only; expiry never uses it (no clock sync assumed).
  updatedAt: z.number().int().nonnegative()
}).strict().superRefine((s, ctx) => {
  if (s.epoch === 0 && s.holder !== null) ctx.addIssue({ code: 'custom', path: ['holder'], message: 'epoch 0 has no holder' })
  if (s.epoch > 0 && s.holder === null) ctx.addIssue({ code: 'custom', path: ['holder'], message: 'a leased epoch needs a holder' })
  if (s.epoch === 0 && !['queued', 'cancelled'].includes(s.status)) ctx.addIssue({ code: 'custom', path: ['status'], message: 'epoch 0 is queued or cancelled' })
})
export type TaskState = z.infer<typeof taskStateSchema>

export const taskCancelSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  taskId: taskIdString,
  submitter: peerIdString,
  specHash: hex64,
  reason: z.string().max(256),
  at: z.number().int().nonnegative()
}).strict()
export type TaskCancel = z.infer<typeof taskCancelSchema>

export const nodeMetaSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  peerId: peerIdString,
  name: z.string().max(64),
  version: z.string().max(32),
  seq: z.number().int().min(0),
  cores: z.number().int().min(0).max(4096),
  idleCpuPct: z.number().min(0).max(100),
  freeMemMb: z.number().int().min(0),
  lendableCpu: z.number().min(0).max(4096),
  lendableMemMb: z.number().int().min(0),
  sharing: sharingMode,
  dockerOk: z.boolean(),
  /** Whether tasks that ask for the network may have it on this peer. */
  allowNetwork: z.boolean(),
  runningTasks: z.number().int().min(0).max(10000),
  /** Where to reach this peer (multiaddrs with /p2p/…), so members behind NAT can find each other through relays. */
  addrs: z.array(z.string().max(300)).max(16),
  updatedAt: z.number().int().nonnegative()
}).strict()
export type NodeMeta = z.infer<typeof nodeMetaSchema>

export const nodeLeaseSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  peerId: peerIdString,
  seq: z.number().int().min(0),
  ttlMs: z.number().int().min(500).max(600_000),
  /** The peer's goodbye on a graceful stop: the others stop counting it as a member at once. */
  leaving: z.literal(true).optional()
}).strict()
export type NodeLease = z.infer<typeof nodeLeaseSchema>

// A full index must fit in one record (MAX_RECORD_BYTES): 200 + 100 ids made a 27 KiB record that
// every peer refused, so a submitter's index silently stopped updating after ~178 tasks.
// 170 ids sign to ~15.6 KB (records.fuzz.test.ts checks the largest index opens).
export const TASK_INDEX_MAX_OPEN = 120
export const TASK_INDEX_MAX_RECENT = 50
export const nodeTasksSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  peerId: peerIdString,
  seq: z.number().int().min(0),
  open: z.array(taskIdString).max(TASK_INDEX_MAX_OPEN),
  recent: z.array(taskIdString).max(TASK_INDEX_MAX_RECENT)
}).strict()
export type NodeTasks = z.infer<typeof nodeTasksSchema>
