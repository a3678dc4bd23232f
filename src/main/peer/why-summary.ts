// Turns the peers' answers about one task into one plain sentence for `mcloud why` and the UI.
import { isTerminal, type PlacementAnswer, type TaskStatus } from '../../shared/index.js'

/** Answers that mean "this peer could run it". */
const TAKERS = new Set(['would-claim', 'running-it', 'suspended'])

export function summarisePlacement (status: TaskStatus, answers: PlacementAnswer[]): string {
  if (isTerminal(status)) return `the task has finished (${status})`
  const runner = answers.find(a => a.code === 'running-it' || a.code === 'suspended')
  if (runner !== undefined) return `${status === 'running' ? 'running' : 'placed'} on ${label(runner)}${runner.code === 'suspended' ? ' (suspended while its owner uses the computer)' : ''}`
  const takers = answers.filter(a => a.code === 'would-claim')
  if (takers.length > 0) return `${takers.length} peer${takers.length === 1 ? '' : 's'} can take it (${takers.map(label).join(', ')}); it will start shortly`
  const reasons = answers.filter(a => !TAKERS.has(a.code) && a.code !== 'no-executor')
  if (reasons.length === 0) return 'no peer can take it: no peer in the network lends (none runs an executor)'
  // Peers with the same reason are grouped: "2 peers: paused by the owner (alice, bob)".
  const groups = new Map<string, PlacementAnswer[]>()
  for (const a of reasons) groups.set(a.message, [...(groups.get(a.message) ?? []), a])
  const parts = [...groups.entries()].map(([message, who]) => who.length === 1 ? `${label(who[0]!)}: ${message}` : `${who.length} peers: ${message} (${who.map(label).join(', ')})`)
  return `no peer can take it now — ${parts.join('; ')}`
}

function label (a: PlacementAnswer): string {
  return a.name !== '' ? a.name : a.peerId.slice(-8)
}
