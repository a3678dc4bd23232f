// `bench chaos`: flags → runChaos for each (agents, TTL, kill %) → a block per point with the goals
// and the prototype's figures beside ours, a table of every point, and two charts written next to
// the results JSON.
import { BenchUsageError, intFlag, intListFlag, numberFlag, parseExperimentArgs } from './args.js'
import { runChaos, type ChaosSummary } from './chaos.js'
import { chaosMttrChartSvg, chaosRatesChartSvg, type ChaosPoint } from './chaos-chart.js'
import type { Experiment } from './experiment.js'
import { describeLoad } from './machine-load.js'
import { withCompanions } from './results.js'
import { formatDistribution, formatMs } from './stats.js'

/** A point that could not be measured; `error` says why. */
interface ChaosFailure { experiment: 'chaos', agents: number, ttlMs: number, killPct: number, tasks: number, error: string }

const OPTIONS = {
  agents: { type: 'string' },
  tasks: { type: 'string' },
  kill: { type: 'string' },
  ttl: { type: 'string' },
  'task-ms': { type: 'string' },
  slots: { type: 'string' },
  submitters: { type: 'string' },
  'kill-at': { type: 'string' },
  timeout: { type: 'string' }
} as const

// The lease bounds of the task state record (shared/schemas: ttlMs 500 … 600 000).
const MIN_TTL_SEC = 0.5
const MAX_TTL_SEC = 600

const USAGE = `bench chaos [flags]   N peers run T simulated tasks; X% of the providers are killed abruptly AT ONCE mid-run
  --agents LIST      peer counts, comma list (default 100); a few of them submit and are never killed
  --tasks N          tasks per run (default 1000)
  --kill LIST        percentages of the providers killed at once, comma list 1–99 (default 10,20,40,60)
  --ttl LIST         lease time-to-live in seconds, comma list (default 10), e.g. 10,3
  --task-ms MS       simulated run time of each task (default 2000: tasks are still running at the kill)
  --slots N          tasks each provider runs at once (default 2)
  --submitters N     peers that submit, never killed (default 3)
  --kill-at S        kill S seconds after the first submit (default: once a third of the tasks were claimed)
  --timeout S        give up waiting for the tasks of one run after this long (default 600)`

/** A comma list of seconds within the lease bounds ("10,3", "2.5"). */
function ttlListFlag (raw: string | boolean | undefined): number[] {
  if (raw === undefined) return [10]
  const parts = typeof raw === 'string' ? raw.split(',').map(s => s.trim()) : []
  const ok = parts.length > 0 && parts.every(p => p !== '' && Number.isFinite(Number(p)) && Number(p) >= MIN_TTL_SEC && Number(p) <= MAX_TTL_SEC)
  if (!ok) throw new BenchUsageError(`bench chaos: --ttl must be a comma list of seconds from ${MIN_TTL_SEC} to ${MAX_TTL_SEC}, got "${String(raw)}"`)
  return parts.map(Number)
}

export const chaosExperiment: Experiment = {
  name: 'chaos',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('chaos', argv, OPTIONS)
    const sizes = intListFlag('chaos', 'agents', v.agents, [100], 3)
    const kills = intListFlag('chaos', 'kill', v.kill, [10, 20, 40, 60], 1)
    if (kills.some(k => k > 99)) throw new BenchUsageError(`bench chaos: --kill must be a comma list of percentages from 1 to 99, got "${String(v.kill)}"`)
    const ttls = ttlListFlag(v.ttl)
    const base = {
      tasks: intFlag('chaos', 'tasks', v.tasks, 1000, 1),
      taskMs: intFlag('chaos', 'task-ms', v['task-ms'], 2000, 1),
      slots: intFlag('chaos', 'slots', v.slots, 2, 1),
      submitters: intFlag('chaos', 'submitters', v.submitters, 3, 1),
      killAtSec: v['kill-at'] === undefined ? undefined : numberFlag('chaos', 'kill-at', v['kill-at'], 1),
      timeoutMs: Math.round(numberFlag('chaos', 'timeout', v.timeout, 600) * 1000)
    }
    const summaries: Array<ChaosSummary | ChaosFailure> = []
    const points: ChaosPoint[] = []
    for (const agents of sizes) {
      for (const ttl of ttls) {
        for (const killPct of kills) {
          const ttlMs = Math.round(ttl * 1000)
          print(`\nchaos: ${agents} agents, ${base.tasks} tasks of ${base.taskMs} ms, kill ${killPct}% of the providers at once, lease ttl ${ttlMs} ms …`)
          try {
            const s = await runChaos({ ...base, agents, ttlMs, killPct }, print)
            for (const line of describeChaos(s)) print(line)
            summaries.push(s)
            points.push({ agents, ttlMs, killPct, summary: s })
          } catch (err) {
            // One point failing (e.g. the testbed cannot start) must not hide the others' figures.
            const error = err instanceof Error ? err.message : String(err)
            print(`\n== chaos: ${agents} agents, ttl ${ttlMs} ms, kill ${killPct}% FAILED: ${error}`)
            summaries.push({ experiment: 'chaos', agents, ttlMs, killPct, tasks: base.tasks, error })
            points.push({ agents, ttlMs, killPct, summary: null })
          }
        }
      }
    }
    print('')
    for (const line of chaosTable(summaries)) print(line)
    withCompanions(summaries[0]!, [
      { ext: 'mttr.svg', content: chaosMttrChartSvg(points) },
      { ext: 'rates.svg', content: chaosRatesChartSvg(points) }
    ])
    return summaries
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const mark = (ok: boolean | null): string => ok === null ? '(no goal here)' : ok ? 'goal met' : 'GOAL MISSED'

/** The human-readable block of one point. */
export function describeChaos (s: ChaosSummary): string[] {
  const ttl = s.leaseTtlMs
  const proto = s.prototype
  const lines = [
    '',
    `== chaos: ${s.agents} agents (${s.providers} providers × ${s.slotsPerPeer} slots, ${s.submitters} submitters), ${s.tasks} tasks of ${s.taskMs} ms, executor ${s.executor}`,
    `   killed ${s.killed} providers (${s.killPct}%, ${s.killedHolding} of them holding leases) at once at ${s.killedAtSec ?? '–'} s, ${s.claimedAtKill ?? '–'} tasks claimed by then; lease ttl ${ttl} ms; startup ${formatMs(s.startupMs)}`,
    `   success            ${pct(s.successRate)}  ${JSON.stringify(s.statuses)}   goal 100%: ${mark(s.goals.success)}${proto === null ? '' : `   prototype ${pct(proto.successRate)}`}`,
    ...Object.entries(s.failureReasons).map(([why, n]) => `   failed             ${n} × ${why}`),
    `   duplicate commits  ${s.duplicateCommits}   goal 0: ${mark(s.goals.noDuplicateCommits)}`,
    `   duplicate runs     ${s.duplicateExecutions} tasks ran to the end twice; ${s.overlappingRuns.tasks} ran twice at once (overlap total ${formatMs(s.overlappingRuns.totalOverlapMs)}, max ${formatMs(s.overlappingRuns.maxOverlapMs)})`,
    `   leases lost        ${s.leasesKilled} held by the killed peers, ${s.leasesRecovered} running elsewhere again` +
      (s.leasesCommittedAtKill > 0 ? ` (${s.leasesCommittedAtKill} more had committed their result just before the kill)` : ''),
    `   MTTR end-to-end    ${formatDistribution(s.mttrEndToEndMs)}   goal p95 ≤ ttl + 1 s = ${formatMs(ttl + 1000)}: ${mark(s.goals.mttrEndToEnd)}`,
    `   MTTR detected      ${formatDistribution(s.mttrDetectedMs)}   goal p95 ≤ 50 ms: ${mark(s.goals.mttrDetected)}${proto === null ? '' : `   prototype ${formatMs(proto.mttrDetectedMs)}`}`,
    `   claim latency      ${formatDistribution(s.claimLatencyMs)}   (submit call → first lease:claimed)`,
    `   memory             peak RSS ${s.peakRssMb} MiB = ${s.peakRssPerPeerMb} MiB per peer (one process)`,
    `   ${describeLoad(s.load)}`,
    `   duration           ${formatMs(s.durationMs)}   ${s.timedOut ? '(DEADLINE REACHED: not every task finished)' : '(first submit → every task terminal)'}`
  ]
  for (const d of s.duplicates) {
    lines.push(`   ! duplicate ${d.taskId}: ${d.commits.map(c => `${c.status}@${c.epoch} by ${c.holder}`).join(', ')}`)
  }
  for (const u of s.unfinished) {
    lines.push(`   ! unfinished ${u.taskId}: ${u.status}@${u.epoch} by ${u.holder ?? 'nobody'}, ${u.attempts} attempts`)
  }
  for (const d of s.duplicateRuns) {
    lines.push(`   ! ran twice ${d.taskId}: ${d.runs.map(r => `@${r.epoch} by ${r.holder.slice(-8)}${r.fencedBy === null ? '' : ` (fenced: ${r.fencedBy})`}`).join(', ')}`)
  }
  return lines
}

/** Every point in one markdown table (what docs/benchmarks.md records). */
export function chaosTable (summaries: Array<ChaosSummary | ChaosFailure>): string[] {
  const d = (x: number | null): string => formatMs(x)
  const lines = [
    '| agents | TTL | kill % | success | dup commits | dup runs (at once) | leases lost / recovered | MTTR-e2e p50 / p95 | MTTR-detected p50 / p95 | claim p95 | event-loop p99 | CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|'
  ]
  for (const s of summaries) {
    if ('error' in s) {
      lines.push(`| ${s.agents} | ${s.ttlMs / 1000} s | ${s.killPct} | failed: ${s.error} | | | | | | | | |`)
      continue
    }
    lines.push(`| ${s.agents} | ${s.leaseTtlMs / 1000} s | ${s.killPct} (${s.killed}) | ${pct(s.successRate)}${s.timedOut ? ' (deadline)' : ''} | ${s.duplicateCommits} | ${s.duplicateExecutions} (${s.overlappingRuns.tasks}) | ` +
      `${s.leasesKilled} / ${s.leasesRecovered} | ${d(s.mttrEndToEndMs.p50)} / ${d(s.mttrEndToEndMs.p95)} | ${d(s.mttrDetectedMs.p50)} / ${d(s.mttrDetectedMs.p95)} | ` +
      `${d(s.claimLatencyMs.p95)} | ${d(s.load.eventLoopDelayMs.p99)} | ${s.load.processCpuPct}% |`)
  }
  return lines
}
