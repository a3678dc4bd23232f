// DHT key schema (DESIGN.md "Records and keys"). Keys live in the kad-dht namespace "mc".
export const KEY_NAMESPACE = 'mc'

export type RecordKind = 'node-meta' | 'node-lease' | 'node-tasks' | 'task-spec' | 'task-state' | 'task-cancel'

export interface ParsedKey {
  kind: RecordKind
  /** peer id for node keys, task id for task keys */
  id: string
}

export const nodeMetaKey = (peerId: string): string => `/mc/node/${peerId}/meta`
export const nodeLeaseKey = (peerId: string): string => `/mc/node/${peerId}/lease`
export const nodeTasksKey = (peerId: string): string => `/mc/node/${peerId}/tasks`
export const taskSpecKey = (taskId: string): string => `/mc/task/${taskId}/spec`
export const taskStateKey = (taskId: string): string => `/mc/task/${taskId}/state`
export const taskCancelKey = (taskId: string): string => `/mc/task/${taskId}/cancel`

const NODE_KINDS: Record<string, RecordKind> = { meta: 'node-meta', lease: 'node-lease', tasks: 'node-tasks' }
const TASK_KINDS: Record<string, RecordKind> = { spec: 'task-spec', state: 'task-state', cancel: 'task-cancel' }

/** Parses a record key; returns undefined for anything outside the schema. */
export function parseKey (key: string): ParsedKey | undefined {
  const m = /^\/mc\/(node|task)\/([^/]{1,100})\/([a-z]{1,10})$/.exec(key)
  if (m == null) return undefined
  const [, space, id, leaf] = m as unknown as [string, string, string, string]
  if (space === 'node') {
    const kind = NODE_KINDS[leaf]
    if (kind === undefined || !/^[1-9A-HJ-NP-Za-km-z]{46,60}$/.test(id)) return undefined
    return { kind, id }
  }
  const kind = TASK_KINDS[leaf]
  if (kind === undefined || !/^[0-9a-f]{64}$/.test(id)) return undefined
  return { kind, id }
}

/** Gossipsub topics carrying the same signed records as notifications. */
export const TOPIC_TASKS = 'mcloud/tasks/1'
export const TOPIC_NODES = 'mcloud/nodes/1'
