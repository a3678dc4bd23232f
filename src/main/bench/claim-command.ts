// `bench claim`: flags → runClaim for each --peers size → a human-readable block per size.
import { intFlag, intListFlag, numberFlag, parseExperimentArgs } from './args.js'
import { runClaim, type ClaimSummary } from './claim.js'
import type { Experiment } from './experiment.js'
import { formatDistribution, formatMs } from './stats.js'

/** A size that could not be measured; `error` says why. */
interface ClaimFailure { experiment: 'claim', peers: number, tasks: number, error: string }

const OPTIONS = {
  peers: { type: 'string' },
  tasks: { type: 'string' },
  slots: { type: 'string' },
  ttl: { type: 'string' },
  'task-ms': { type: 'string' },
  kills: { type: 'string' },
  submitters: { type: 'string' },
  timeout: { type: 'string' }
} as const

const USAGE = `bench claim [flags]   N peers race for T simulated tasks while K lease holders are killed
  --peers LIST       peer counts to run, comma list (default 10,50)
  --tasks N          tasks per run (default 200)
  --slots N          tasks each provider runs at once (default 2)
  --ttl SECONDS      lease time-to-live (default 10)
  --task-ms MS       simulated run time of each task (default 500)
  --kills K          lease holders killed abruptly per run (default 5)
  --submitters N     peers that submit, never killed (default 3)
  --timeout SECONDS  give up waiting for tasks after this long (default 300)`

export const claimExperiment: Experiment = {
  name: 'claim',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('claim', argv, OPTIONS)
    const sizes = intListFlag('claim', 'peers', v.peers, [10, 50], 2)
    const base = {
      tasks: intFlag('claim', 'tasks', v.tasks, 200, 1),
      slots: intFlag('claim', 'slots', v.slots, 2, 1),
      ttlMs: Math.round(numberFlag('claim', 'ttl', v.ttl, 10) * 1000),
      taskMs: intFlag('claim', 'task-ms', v['task-ms'], 500, 1),
      kills: intFlag('claim', 'kills', v.kills, 5, 0),
      submitters: intFlag('claim', 'submitters', v.submitters, 3, 1),
      timeoutMs: Math.round(numberFlag('claim', 'timeout', v.timeout, 300) * 1000)
    }
    const summaries: Array<ClaimSummary | ClaimFailure> = []
    for (const peers of sizes) {
      print(`claim: ${peers} peers, ${base.tasks} tasks, ${base.kills} kills, lease ttl ${base.ttlMs} ms …`)
      try {
        const summary = await runClaim({ ...base, peers }, print)
        for (const line of describeClaim(summary)) print(line)
        summaries.push(summary)
      } catch (err) {
        // One size failing (e.g. the testbed cannot start) must not hide the others' figures.
        const error = err instanceof Error ? err.message : String(err)
        print(`\n== claim: ${peers} peers FAILED: ${error}`)
        summaries.push({ experiment: 'claim', peers, tasks: base.tasks, error })
      }
    }
    return summaries
  }
}

/** The human-readable block of one run. */
export function describeClaim (s: ClaimSummary): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  const lines = [
    '',
    `== claim: ${s.peers} peers × ${s.slotsPerPeer} slots, ${s.tasks} tasks of ${s.taskMs} ms, executor ${s.executor}`,
    `   lease ttl ${s.leaseTtlMs} ms, ${s.submitters} submitters, startup ${formatMs(s.startupMs)}, idle CPU ${s.idleCpuPct}% of a core, RSS ${s.rssPerPeerMb} MiB/peer`,
    `   success            ${pct(s.successRate)}  ${JSON.stringify(s.statuses)}, ${s.submitted}/${s.tasks} submitted before the deadline`,
    `   duplicate commits  ${s.duplicateCommits}   duplicate executions ${s.duplicateExecutions}`,
    `   claim latency      ${formatDistribution(s.claimLatencyMs)}   (submit call → first lease:claimed; includes queueing for a free slot)`,
    `   submit call        ${formatDistribution(s.submitMs)}`,
    `   MTTR end-to-end    ${formatDistribution(s.mttrEndToEndMs)}   (kill → running on another peer at a higher epoch)`,
    `   MTTR detected      ${formatDistribution(s.mttrDetectedMs)}   (new holder's watcher saw expiry → running)`,
    `   kills              ${s.kills}/${s.killsRequested} peers, ${s.leasesKilled} leases lost, ${s.mttrEndToEndMs.n} recovered elsewhere`,
    `   duration           ${formatMs(s.durationMs)}   ${s.timedOut ? '(DEADLINE REACHED: not every task finished)' : '(first submit → every task terminal)'}`
  ]
  for (const d of s.duplicates) {
    lines.push(`   ! duplicate ${d.taskId.slice(0, 12)}: ${d.commits.map(c => `${c.status}@${c.epoch} by ${c.holder.slice(-8)}`).join(', ')}`)
  }
  for (const d of s.duplicateRuns) {
    lines.push(`   ! ran twice ${d.taskId.slice(0, 12)}: ${d.runs.map(r => `@${r.epoch} by ${r.holder.slice(-8)}${r.fencedBy === null ? '' : ` (fenced: ${r.fencedBy})`}`).join(', ')}`)
  }
  return lines
}
