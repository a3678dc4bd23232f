// The chaos experiment's charts, like the prototype's figures: MTTR p95 (both definitions) vs the
// share killed, and success / duplicate rates vs the share killed, one series per TTL (and per
// agent count when several were run).
import type { ChaosSummary } from './chaos.js'
import { PROTOTYPE } from './chaos.js'
import { lineChartSvg, type ChartSeries } from './svg-chart.js'

/** A point that could not be measured still has its place on the x axis (no value). */
export interface ChaosPoint { agents: number, ttlMs: number, killPct: number, summary: ChaosSummary | null }

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b']

/** One group per (agents, ttl), its points in kill-% order. */
function groups (points: ChaosPoint[]): Array<{ label: string, points: ChaosPoint[] }> {
  const byKey = new Map<string, ChaosPoint[]>()
  const severalSizes = new Set(points.map(p => p.agents)).size > 1
  for (const p of points) {
    const key = `${severalSizes ? `${p.agents} agents, ` : ''}TTL ${p.ttlMs / 1000} s`
    byKey.set(key, [...byKey.get(key) ?? [], p])
  }
  return [...byKey].map(([label, ps]) => ({ label, points: [...ps].sort((a, b) => a.killPct - b.killPct) }))
}

const sec = (ms: number | null | undefined): number | null => ms === null || ms === undefined ? null : ms / 1000

export function chaosMttrChartSvg (points: ChaosPoint[]): string {
  const series: ChartSeries[] = []
  groups(points).forEach((g, i) => {
    const color = COLORS[i % COLORS.length]!
    series.push({ label: `MTTR end-to-end p95 (kill → running elsewhere), ${g.label}`, color, points: g.points.map(p => [p.killPct, sec(p.summary?.mttrEndToEndMs.p95)]) })
    series.push({ label: `MTTR detected p95 (expiry seen → running), ${g.label}`, color, dashed: true, points: g.points.map(p => [p.killPct, sec(p.summary?.mttrDetectedMs.p95)]) })
  })
  series.push({ label: 'prototype, MTTR from detected expiry (TTL 15–20 s left out)', color: '#7f7f7f', width: 1, points: Object.entries(PROTOTYPE).map(([pct, v]) => [Number(pct), v.mttrDetectedMs / 1000]) })
  const agents = [...new Set(points.map(p => p.agents))].join(', ')
  return lineChartSvg({ title: `Chaos: recovery time vs share of providers killed at once (${agents} agents)`, xLabel: '% of providers killed at once', yLabel: 'seconds (p95)', series })
}

export function chaosRatesChartSvg (points: ChaosPoint[]): string {
  const series: ChartSeries[] = []
  const pct = (x: number | undefined): number | null => x === undefined ? null : Math.round(x * 1000) / 10
  groups(points).forEach((g, i) => {
    const color = COLORS[i % COLORS.length]!
    series.push({ label: `success %, ${g.label}`, color, width: 3, points: g.points.map(p => [p.killPct, pct(p.summary?.successRate)]) })
    series.push({ label: `duplicate commits % of tasks, ${g.label}`, color, dashed: true, points: g.points.map(p => [p.killPct, p.summary === null ? null : pct(p.summary.duplicateCommits / p.summary.tasks)]) })
    series.push({ label: `tasks run twice at once %, ${g.label}`, color, width: 1, points: g.points.map(p => [p.killPct, p.summary === null ? null : pct(p.summary.overlappingRuns.tasks / p.summary.tasks)]) })
  })
  const agents = [...new Set(points.map(p => p.agents))].join(', ')
  return lineChartSvg({ title: `Chaos: success and duplicates vs share of providers killed at once (${agents} agents)`, xLabel: '% of providers killed at once', yLabel: '% of tasks', series })
}
