// Human-readable output: aligned tables and short ids.
import type { PeerView, StatusResponse, TaskView } from '../../shared/api.js'
import type { TaskInput } from '../../shared/schemas.js'

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table (header: string[], rows: string[][]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n') + '\n'
}

export const shortTaskId = (id: string): string => id.slice(0, 12)

/** Peer ids share the "12D3KooW" prefix, so the tail is what tells them apart. */
export const shortPeerId = (id: string | null): string => (id === null ? '-' : id.length > 10 ? `…${id.slice(-8)}` : id)

const orDash = (v: string | number | null | undefined): string => (v === null || v === undefined ? '-' : String(v))

export function formatTasks (tasks: TaskView[]): string {
  if (tasks.length === 0) return 'no tasks\n'
  const rows = [...tasks]
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .map((t) => [
      shortTaskId(t.taskId), t.status, String(t.epoch), shortPeerId(t.holder), String(t.attempts),
      orDash(t.exitCode), orDash(t.image), inputsText(t.inputs), outputsText(t)
    ])
  return table(['TASK', 'STATUS', 'EPOCH', 'HOLDER', 'ATTEMPTS', 'EXIT', 'IMAGE', 'INPUTS', 'OUTPUTS'], rows)
}

/** "data.csv, model.bin", cut to keep the table narrow; --json has every input with its size and CID. */
function inputsText (inputs: TaskInput[] | null): string {
  if (inputs === null || inputs.length === 0) return '-'
  const names = inputs.map((i) => i.name).join(', ')
  return names.length <= 40 ? names : `${names.slice(0, 39)}…`
}

/** "-" (none), "ready" (mcloud get fetches them) or "saved" (in outputsDir already). */
const outputsText = (t: Pick<TaskView, 'resultCid' | 'outputsDir'>): string =>
  t.resultCid === null ? '-' : t.outputsDir === null ? 'ready' : 'saved'


export function formatPeers (peers: PeerView[]): string {
  if (peers.length === 0) return 'no peers known\n'
  const rows = peers.map((p) => [
    p.peerId, p.connected ? 'yes' : 'no', orDash(p.meta?.name),
    p.meta == null ? '-' : `${p.meta.lendableCpu}`, p.meta == null ? '-' : `${p.meta.lendableMemMb}m`,
    orDash(p.meta?.sharing), orDash(p.meta?.runningTasks)
  ])
  return table(['PEER', 'CONNECTED', 'NAME', 'CPU', 'MEM', 'SHARING', 'RUNNING'], rows)
}

export function formatStatus (s: StatusResponse): string {
  const lines: Array<[string, string]> = [
    ['peer id', s.peerId],
    ['name', s.name],
    ['version', s.version],
    ...(s.addrs.length === 0 ? [['addrs', '-'] as [string, string]] : s.addrs.map((a, i): [string, string] => [i === 0 ? 'addrs' : '', a])),
    ['peers', `${s.peers} connected`],
    ...(s.members === undefined ? [] : [['members', formatMembers(s.members)] as [string, string]]),
    ['api', s.apiUrl],
    ['data dir', s.dataDir],
    ['org key', s.orgFingerprint],
    ['sharing', s.sharing],
    ['executor', s.executor],
    ['running', `${s.runningTasks} task${s.runningTasks === 1 ? '' : 's'}`],
    ['lease ttl', `${s.leaseTtlMs / 1000} s`],
    ['started', new Date(s.startedAt).toISOString()]
  ]
  return lines.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n') + '\n'
}

function formatMembers (m: NonNullable<StatusResponse['members']>): string {
  const counted = `reaches ${m.reachable} of ${m.known} known`
  return m.majority ? counted : `${counted}: NO MAJORITY, claims nothing until the network heals`
}
