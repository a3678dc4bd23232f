// Validation rules for DHT records that need no crypto: key schema, payload schema, and which
// signer may write which key. src/main/records adds the signature check on top.
import type { z } from 'zod'
import { deriveTaskId, decodePayload, RecordFormatError, sha256Hex, type Envelope } from './envelope.js'
import { parseKey, type ParsedKey, type RecordKind } from './keys.js'
import {
  nodeLeaseSchema, nodeMetaSchema, nodeTasksSchema, taskCancelSchema, taskSpecSchema, taskStateSchema,
  type NodeLease, type NodeMeta, type NodeTasks, type TaskCancel, type TaskSpec, type TaskState
} from './schemas.js'

export interface RecordValues {
  'node-meta': NodeMeta
  'node-lease': NodeLease
  'node-tasks': NodeTasks
  'task-spec': TaskSpec
  'task-state': TaskState
  'task-cancel': TaskCancel
}

const SCHEMAS: Record<RecordKind, z.ZodType> = {
  'node-meta': nodeMetaSchema,
  'node-lease': nodeLeaseSchema,
  'node-tasks': nodeTasksSchema,
  'task-spec': taskSpecSchema,
  'task-state': taskStateSchema,
  'task-cancel': taskCancelSchema
}

export interface CheckedRecord {
  key: ParsedKey
  value: RecordValues[RecordKind]
}

function fail (message: string, field: string): never {
  throw new RecordFormatError(message, field)
}

/** Checks everything but the signature. Throws RecordFormatError naming the field. */
export function checkRecord (env: Envelope, expectedKey?: string): CheckedRecord {
  if (expectedKey !== undefined && env.key !== expectedKey) fail(`record key ${env.key} does not match ${expectedKey}`, 'key')
  const key = parseKey(env.key) ?? fail(`record key ${env.key} is outside the /mc schema`, 'key')
  const parsed = SCHEMAS[key.kind].safeParse(decodePayload(env.payload))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.join('.') ?? 'payload'
    fail(`${key.kind} ${field}: ${issue?.message ?? 'invalid'}`, field === '' ? 'payload' : field)
  }
  const value = parsed.data as RecordValues[RecordKind]
  checkSigner(key, value, env)
  return { key, value }
}

function checkSigner (key: ParsedKey, value: RecordValues[RecordKind], env: Envelope): void {
  switch (key.kind) {
    case 'node-meta': case 'node-lease': case 'node-tasks': {
      const v = value as NodeMeta | NodeLease | NodeTasks
      if (v.peerId !== key.id) fail('peerId does not match the key', 'peerId')
      if (env.signer !== key.id) fail('only the node itself may write its records', 'signer')
      return
    }
    case 'task-spec': {
      const v = value as TaskSpec
      if (env.signer !== v.submitter) fail('a spec is signed by its submitter', 'signer')
      if (deriveTaskId(v.submitter, sha256Hex(env.payload)) !== key.id) fail('task id is not the hash of the spec', 'taskId')
      return
    }
    case 'task-cancel': case 'task-state': {
      const v = value as TaskCancel | TaskState
      if (v.taskId !== key.id) fail('taskId does not match the key', 'taskId')
      if (deriveTaskId(v.submitter, v.specHash) !== key.id) fail('taskId is not bound to this submitter and spec', 'taskId')
      const writer = key.kind === 'task-state' && (v as TaskState).epoch > 0 ? (v as TaskState).holder : v.submitter
      if (env.signer !== writer) fail(key.kind === 'task-cancel' ? 'only the submitter may cancel' : 'state signer must be the submitter (epoch 0) or the holder', 'signer')
    }
  }
}
