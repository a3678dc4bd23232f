// `bench scale`: success, duplicates, claim latency and the cost per peer as the organisation grows
// (issue 6: 50 → 500 agents on this 2-core machine). Each size is run on a fresh multi-process
// testbed; a size that cannot start or finish within its deadline is reported FAILED and the next
// size still runs. Charts next to the JSON: success & duplicates, claim latency p95, idle cost.
import { intFlag, intListFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { describeLoad } from './machine-load.js'
import { withCompanions } from './results.js'
import { runScale, type PhaseCost, type ScaleOptions, type ScaleRun } from './scale.js'
import { scaleCharts } from './scale-chart.js'
import { formatDistribution } from './stats.js'

const OPTIONS = {
  agents: { type: 'string' },
  'tasks-per-agent': { type: 'string' },
  procs: { type: 'string' },
  'dials-per-proc': { type: 'string' },
  submitters: { type: 'string' },
  slots: { type: 'string' },
  ttl: { type: 'string' },
  'task-sec': { type: 'string' },
  settle: { type: 'string' },
  idle: { type: 'string' },
  'start-timeout': { type: 'string' },
  deadline: { type: 'string' }
} as const

const USAGE = `bench scale [flags]   N real peers in several processes run N × tasks-per-agent simulated tasks
  --agents LIST            peer counts, comma list (default 50,100,200,500)
  --tasks-per-agent N      tasks submitted per agent (default 2)
  --procs N                worker processes hosting the peers (default 4)
  --dials-per-proc N       dials in flight at once among one process's peers, 0 for no shared bound (default 0)
  --submitters N           peers that submit, round-robin (default 4)
  --slots N                tasks each peer runs at once (default 2)
  --ttl SECONDS            lease time-to-live (default 10)
  --task-sec SECONDS       simulated run time of each task (default 1)
  --settle SECONDS         wait after start-up before measuring idle (default 10)
  --idle SECONDS           length of the idle measurement (default 10)
  --start-timeout SECONDS  start-up limit per size (default 600)
  --deadline SECONDS       every task terminal within this after the first submit (default 300)`

export interface ScaleSummary {
  experiment: 'scale'
  executor: string
  params: Omit<ScaleOptions, 'agents'> & { agents: number[] }
  runs: ScaleRun[]
  /** Claim latency p95 at the largest measured size ÷ at the smallest (issue 6 goal: ≤ 2). */
  claimP95Ratio: number | null
  error?: string
}

const pct = (x: number | undefined): string => x === undefined ? '–' : `${Math.round(x * 1000) / 10}%`
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB/s`

function describeCost (name: string, c: PhaseCost): string[] {
  return [
    `   ${name.padEnd(8)} CPU ${c.cpuPctPerPeer}% of a core per peer, RSS ${c.rssMbPerPeer} MiB per peer, ${c.connectionsPerPeer} connections per peer to ${c.membersReachedPerPeer} members (${c.connectionsOpenedPerPeerPerMin} opened per minute), ${c.withMajority} peers with a majority, ` +
      `in ${kb(c.bytesInPerPeerPerSec)} out ${kb(c.bytesOutPerPeerPerSec)} and ${c.gossipMsgsInPerPeerPerSec} gossip msgs/s per peer (${c.seconds} s)`,
    `            processes: ${c.processes.map(p => `${p.peers} peers ${p.cpuPct}% CPU loop p99 ${p.eventLoopP99Ms} ms`).join('; ')}`
  ]
}

export function describeScaleRun (r: ScaleRun): string[] {
  const out = [`== scale: ${r.agents} agents in ${r.procs} processes, ${r.tasks} tasks (${r.executor})${r.error === undefined ? '' : ` — FAILED: ${r.error}`}`]
  if (r.startupMs !== undefined) out.push(`   start-up ${(r.startupMs / 1000).toFixed(1)} s (${r.routingTableShort ?? 0} peers short of routing-table entries)`)
  if (r.successRate !== undefined) {
    out.push(`   success ${pct(r.successRate)} (${JSON.stringify(r.statuses)}), duplicate commits ${r.duplicateCommits}, duplicate executions ${r.duplicateExecutions}, ${r.timedOut === true ? 'still open' : 'all terminal'} after ${((r.durationMs ?? 0) / 1000).toFixed(1)} s`)
    out.push(`   claim latency (submit → first claim) ${formatDistribution(r.claimLatencyMs!)}`)
  }
  if (r.idle !== undefined) out.push(...describeCost('idle', r.idle))
  if (r.work !== undefined) out.push(...describeCost('work', r.work))
  if (r.peakRssMbPerPeer !== undefined) out.push(`   peak RSS ${r.peakRssMbPerPeer} MiB per peer`)
  if (r.parentLoad !== undefined) out.push(`   observer process: ${describeLoad(r.parentLoad)}`)
  return out
}

export const scaleExperiment: Experiment = {
  name: 'scale',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('scale', argv, OPTIONS)
    const agents = intListFlag('scale', 'agents', v.agents, [50, 100, 200, 500], 2)
    const params = {
      tasksPerAgent: intFlag('scale', 'tasks-per-agent', v['tasks-per-agent'], 2, 1),
      procs: intFlag('scale', 'procs', v.procs, 4, 1),
      dialsPerProc: intFlag('scale', 'dials-per-proc', v['dials-per-proc'], 0, 0),
      submitters: intFlag('scale', 'submitters', v.submitters, 4, 1),
      slots: intFlag('scale', 'slots', v.slots, 2, 1),
      ttlMs: numberFlag('scale', 'ttl', v.ttl, 10) * 1000,
      taskMs: numberFlag('scale', 'task-sec', v['task-sec'], 1) * 1000,
      settleSec: numberFlag('scale', 'settle', v.settle, 10),
      idleSec: numberFlag('scale', 'idle', v.idle, 10),
      startTimeoutMs: numberFlag('scale', 'start-timeout', v['start-timeout'], 600) * 1000,
      deadlineSec: numberFlag('scale', 'deadline', v.deadline, 300)
    }
    const runs: ScaleRun[] = []
    for (const n of agents) {
      print(`scale: starting ${n} agents in ${Math.min(params.procs, n)} processes …`)
      const run = await runScale({ ...params, agents: n }, print)
      for (const line of describeScaleRun(run)) print(line)
      runs.push(run)
    }
    const measured = runs.filter(r => r.error === undefined && r.claimLatencyMs?.p95 != null)
    const first = measured[0]?.claimLatencyMs?.p95
    const last = measured[measured.length - 1]?.claimLatencyMs?.p95
    const summary: ScaleSummary = {
      experiment: 'scale',
      executor: runs[0]?.executor ?? '',
      params: { ...params, agents },
      runs,
      claimP95Ratio: measured.length < 2 || first == null || last == null || first === 0 ? null : Math.round(last / first * 100) / 100,
      ...(runs.every(r => r.error !== undefined) ? { error: 'no size could be measured' } : {})
    }
    if (summary.claimP95Ratio !== null) print(`claim latency p95 at ${measured[measured.length - 1]!.agents} agents ÷ at ${measured[0]!.agents}: ${summary.claimP95Ratio} (goal ≤ 2)`)
    return [withCompanions(summary, scaleCharts(runs))]
  }
}
