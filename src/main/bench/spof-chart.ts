// The SPOF experiment's chart: tasks succeeded over time as the DHT and the control peer's
// database count them, with the control peer's outage shaded.
import type { SpofSummary } from './spof.js'
import { lineChartSvg, type ChartBand, type ChartSeries } from './svg-chart.js'

export function spofChartSvg (s: SpofSummary): string {
  const series: ChartSeries[] = [
    { label: 'tasks succeeded (DHT, read by an ordinary peer)', color: '#1f77b4', width: 4, points: s.timeline.map(p => [p.t, p.dhtSucceeded]) },
    { label: 'tasks succeeded (control peer\'s database)', color: '#ff7f0e', points: s.timeline.map(p => [p.t, p.dbSucceeded]) }
  ]
  if (s.timeline.some(p => p.dbAgreeing !== null)) {
    series.push({ label: 'database rows equal to the DHT-selected state (checked after the restart)', color: '#7f7f7f', dashed: true, points: s.timeline.map(p => [p.t, p.dbAgreeing]) })
  }
  if (s.agreementAtSec !== null) {
    series.push({ label: `database = DHT for 100% of tasks (${(s.agreementMs! / 1000).toFixed(1)} s after its API answered)`, color: '#2ca02c', dashed: true, points: [[s.agreementAtSec, 0], [s.agreementAtSec, s.tasks]] })
  }
  const bands: ChartBand[] = []
  if (s.killedAtSec !== null) {
    bands.push({ from: s.killedAtSec, to: s.restartedAtSec ?? s.timeline[s.timeline.length - 1]?.t ?? s.killedAtSec, label: 'control peer down (SIGKILL → restart)', color: '#f8d0d0' })
  }
  if (s.restartedAtSec !== null) {
    bands.push({ from: s.restartedAtSec, to: s.apiBackAtSec ?? s.timeline[s.timeline.length - 1]?.t ?? s.restartedAtSec, label: 'restarting (→ its API answers)', color: '#fbeec2' })
  }
  return lineChartSvg({
    title: `No single point of failure: ${s.providers} providers, ${s.tasks} Docker tasks, control peer SIGKILLed for ${s.downSec} s (${s.database})`,
    xLabel: 'seconds since the first submit',
    yLabel: 'tasks',
    series,
    bands
  })
}
