// The scale experiment's charts, one point per number of agents (failed sizes leave a gap):
// success and duplicate rates, claim latency p95, and the idle cost of a peer.
import type { CompanionFile } from './results.js'
import type { ScaleRun } from './scale.js'
import { lineChartSvg } from './svg-chart.js'

type Point = [number, number | null]

export function scaleCharts (runs: ScaleRun[]): CompanionFile[] {
  const at = (f: (r: ScaleRun) => number | null | undefined): Point[] => runs.map(r => [r.agents, f(r) ?? null])
  const pct = (n: number | undefined): number | null => n === undefined ? null : Math.round(n * 1000) / 10
  const success = lineChartSvg({
    title: 'Scale: task success and duplicates vs number of agents (simulated sleep tasks)',
    xLabel: 'agents',
    yLabel: '% of tasks',
    series: [
      { label: 'succeeded', color: '#2ca02c', width: 4, points: at(r => pct(r.successRate)) },
      { label: 'duplicate commits', color: '#d62728', points: at(r => r.duplicateCommits === undefined ? null : pct(r.duplicateCommits / r.tasks)) },
      { label: 'duplicate executions', color: '#ff7f0e', dashed: true, points: at(r => r.duplicateExecutions === undefined ? null : pct(r.duplicateExecutions / r.tasks)) }
    ]
  })
  const latency = lineChartSvg({
    title: 'Scale: submit → first claim latency vs number of agents',
    xLabel: 'agents',
    yLabel: 'ms',
    series: [
      { label: 'p95', color: '#1f77b4', width: 3, points: at(r => r.claimLatencyMs?.p95) },
      { label: 'p50', color: '#7f7f7f', dashed: true, points: at(r => r.claimLatencyMs?.p50) }
    ]
  })
  const idle = lineChartSvg({
    title: 'Scale: idle cost of one peer vs number of agents',
    xLabel: 'agents',
    yLabel: '% of a core / MiB',
    series: [
      { label: 'CPU per peer (% of one core)', color: '#9467bd', width: 3, points: at(r => r.idle?.cpuPctPerPeer) },
      { label: 'RSS per peer (MiB)', color: '#8c564b', points: at(r => r.idle?.rssMbPerPeer) }
    ]
  })
  return [
    { ext: 'success.svg', content: success },
    { ext: 'claim-latency.svg', content: latency },
    { ext: 'idle.svg', content: idle }
  ]
}
