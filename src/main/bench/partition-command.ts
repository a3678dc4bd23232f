// `bench partition`: flags → runPartition → a human-readable block and the summary.
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { runPartition, type PartitionSummary } from './partition.js'
import { formatMs } from './stats.js'

const OPTIONS = {
  peers: { type: 'string' },
  tasks: { type: 'string' },
  slots: { type: 'string' },
  'task-ms': { type: 'string' },
  ttl: { type: 'string' },
  'split-at': { type: 'string' },
  'split-for': { type: 'string' },
  first: { type: 'string' },
  timeout: { type: 'string' }
} as const

const USAGE = `bench partition [flags]   split the peers into two halves for T seconds, heal, check the fencing
  --peers N          peers, one submitter in each half (default 20)
  --first N          peers in the first half (default half of them: an even split, where neither
                     half has the majority a lease write needs, so both wait for the heal)
  --tasks N          simulated tasks (default 100)
  --slots N          tasks each provider runs at once (default 2)
  --task-ms MS       simulated run time of each task (default 3000)
  --ttl SECONDS      lease time-to-live (default 10)
  --split-at SECONDS split this long after the first task is claimed (default 5)
  --split-for SECONDS how long the halves stay apart, T (default 20)
  --timeout SECONDS  give up waiting for tasks after this long (default 300)`

export const partitionExperiment: Experiment = {
  name: 'partition',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('partition', argv, OPTIONS)
    const o = {
      peers: intFlag('partition', 'peers', v.peers, 20, 4),
      tasks: intFlag('partition', 'tasks', v.tasks, 100, 1),
      slots: intFlag('partition', 'slots', v.slots, 2, 1),
      taskMs: intFlag('partition', 'task-ms', v['task-ms'], 3000, 1),
      ttlMs: Math.round(numberFlag('partition', 'ttl', v.ttl, 10) * 1000),
      splitAtMs: Math.round(numberFlag('partition', 'split-at', v['split-at'], 5) * 1000),
      splitForMs: Math.round(numberFlag('partition', 'split-for', v['split-for'], 20) * 1000),
      timeoutMs: Math.round(numberFlag('partition', 'timeout', v.timeout, 300) * 1000)
    }
    const first = intFlag('partition', 'first', v.first, Math.floor(o.peers / 2), 2)
    if (first > o.peers - 2) throw new BenchUsageError(`bench partition: --first must leave at least 2 peers in the second half (got ${first} of ${o.peers})`)
    if (o.timeoutMs <= o.splitAtMs + o.splitForMs) {
      throw new BenchUsageError('bench partition: --timeout must be longer than --split-at + --split-for')
    }
    print(`partition: ${o.peers} peers (${first} | ${o.peers - first}), ${o.tasks} tasks of ${o.taskMs} ms, split at ${o.splitAtMs / 1000} s for ${o.splitForMs / 1000} s, lease ttl ${o.ttlMs} ms …`)
    const summary = await runPartition({ ...o, first }, print)
    for (const line of describePartition(summary)) print(line)
    return [summary]
  }
}

export function describePartition (s: PartitionSummary): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  const halves = (h: [number, number]): string => `${h[0]} | ${h[1]}`
  const d = s.duplicateExecutions
  const lines = [
    '',
    `== partition: ${s.peers} peers (halves ${halves(s.halves)}) × ${s.slotsPerPeer} slots, ${s.tasks} tasks of ${s.taskMs} ms, executor ${s.executor}, lease ttl ${s.leaseTtlMs} ms`,
    `   split / heal       at ${formatMs(s.splitAtMs)} / ${formatMs(s.healedAtMs)} after the first submit; startup ${formatMs(s.startupMs)}`,
    `   connections cut    ${s.crossConnectionsBeforeSplit} between the halves before the split, at most ${s.crossConnectionsDuringSplit} open during it`,
    `   progress           at the split ${s.progress.atSplit.submitted} submitted, ${s.progress.atSplit.claimed} claimed; at the heal ${s.progress.atHeal.submitted} submitted, ${s.progress.atHeal.claimed} claimed`,
    `   with a majority    fewest peers per half able to write leases: before split ${halves(s.withMajority.beforeSplit)}   during split ${halves(s.withMajority.duringSplit)}   every peer again ${formatMs(s.majorityBackMs)} after the heal`,
    `   claims lost        before split ${s.claimsLost.beforeSplit}   during split ${s.claimsLost.duringSplit}   after heal ${s.claimsLost.afterHeal} (a verifying re-read picked another claim)`,
    `   commits per half   before split ${halves(s.committed.beforeSplit)}   during split ${halves(s.committed.duringSplit)} (last ${s.lastCommitAfterCutMs.map(ms => ms === null ? '–' : formatMs(ms)).join(' | ')} after the cut began; hanging up took ${formatMs(s.cutTookMs)})   after heal ${halves(s.committed.afterHeal)}`,
    `   success            ${pct(s.successRate)}  ${JSON.stringify(s.statuses)}, ${s.submitted}/${s.tasks} submitted`,
    `   duplicate commits  ${s.duplicateCommits}   (a task with two different terminal results ever selected)`,
    `   duplicate runs     ${d.tasks} tasks ran twice at once, overlap total ${formatMs(d.totalOverlapMs)}, max ${formatMs(d.maxOverlapMs)}; ${d.committedTwice} of them committed twice`,
    `   heal → all done    ${formatMs(s.healToAllCompleteMs)}   duration ${formatMs(s.durationMs)}${s.timedOut ? '  (DEADLINE REACHED: not every task finished)' : ''}`,
    `   testbed load       event-loop delay p99 ${s.eventLoopDelayMs.p99} ms (max ${s.eventLoopDelayMs.max} ms), CPU ${s.cpuPct}% of a core, machine load average up to ${s.maxLoadAvg}`
  ]
  for (const f of s.failures) lines.push(`   ! ${f.status} ${f.taskId.slice(0, 12)} after ${f.attempts} attempt(s): ${f.error ?? 'no error recorded'}`)
  for (const x of s.duplicates) {
    lines.push(`   ! duplicate ${x.taskId.slice(0, 12)}: ${x.commits.map(c => `${c.status}@${c.epoch} by ${c.holder.slice(-8)}`).join(', ')}`)
  }
  return lines
}
