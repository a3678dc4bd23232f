// Turns the peers' answers about one task into one plain sentence for `mcloud why` and the UI.
import { formatDuration, inputBytes, isTerminal, type NotPlacedCode, type PlacementAnswer, type TaskStatus, type TaskView } from '../../shared/index.js'
import { formatMemory } from '../resources/index.js'

/** Answers that mean "this peer could run it". */
const TAKERS = new Set(['would-claim', 'running-it', 'suspended'])

/** What the task asks, when known here: a refusal every peer shares is then said in its terms. */
export type TaskAsk = Pick<TaskView, 'image' | 'timeoutSec'> & Partial<Pick<TaskView, 'inputs'>>

/**
 * Owner policies that no change of load or waiting overcomes: when every peer declines for one of
 * them, the submitter is told plainly what to change ("no peer accepts image X").
 */
const POLICY_SENTENCES: Partial<Record<NotPlacedCode, (task: TaskAsk | undefined) => string | undefined>> = {
  'image-not-allowed': t => t?.image == null ? undefined : `no peer accepts image ${t.image}`,
  'network-not-allowed': () => 'no peer allows network access',
  'too-long': t => t?.timeoutSec == null ? undefined : `no peer accepts a task timeout of ${formatDuration(t.timeoutSec * 1000)}`,
  'inputs-too-big': t => t?.inputs == null ? undefined : `no peer accepts ${formatMemory(inputBytes(t.inputs) / 2 ** 20)} of inputs`
}

export function summarisePlacement (status: TaskStatus, answers: PlacementAnswer[], task?: TaskAsk): string {
  if (isTerminal(status)) return `the task has finished (${status})`
  const runner = answers.find(a => a.code === 'running-it' || a.code === 'suspended')
  if (runner !== undefined) return `${status === 'running' ? 'running' : 'placed'} on ${label(runner)}${runner.code === 'suspended' ? ' (suspended while its owner uses the computer)' : ''}`
  const takers = answers.filter(a => a.code === 'would-claim')
  if (takers.length > 0) return `${takers.length} peer${takers.length === 1 ? '' : 's'} can take it (${takers.map(label).join(', ')}); it will start shortly`
  const reasons = answers.filter(a => !TAKERS.has(a.code) && a.code !== 'no-executor')
  if (reasons.length === 0) return 'no peer can take it: no peer in the network lends (none runs an executor)'
  const code = reasons[0]!.code
  const plain = reasons.every(a => a.code === code) ? POLICY_SENTENCES[code]?.(task) : undefined
  if (plain !== undefined) return `${plain} (declined by policy: ${reasons.map(label).join(', ')})`
  // Peers with the same reason are grouped: "2 peers: paused by the owner (alice, bob)".
  const groups = new Map<string, PlacementAnswer[]>()
  for (const a of reasons) groups.set(a.message, [...(groups.get(a.message) ?? []), a])
  const parts = [...groups.entries()].map(([message, who]) => who.length === 1 ? `${label(who[0]!)}: ${message}` : `${who.length} peers: ${message} (${who.map(label).join(', ')})`)
  return `no peer can take it now — ${parts.join('; ')}`
}

function label (a: PlacementAnswer): string {
  return a.name !== '' ? a.name : a.peerId.slice(-8)
}
