// `bench latency`: flags → runLatency → the figures, the goal, and where the peer's time goes.
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { LATENCY_GOAL, runLatency, STALL_MS, type LatencySummary } from './latency.js'
import { PHASES, SIDE_STEPS, type Figure } from './latency-profile.js'
import { formatMs } from './stats.js'

/** A configuration that could not be measured; `error` says why. */
interface LatencyFailure { experiment: 'latency', peers: number, runs: number, error: string }

const OPTIONS = {
  runs: { type: 'string' },
  peers: { type: 'string' },
  image: { type: 'string' },
  cmd: { type: 'string' },
  ttl: { type: 'string' }
} as const

const DEFAULT_IMAGE = 'mcloud-test/busybox:latest'

const USAGE = `bench latency [flags]   one task at a time through the peers vs. a bare \`docker run --rm\`, and where the time goes
  --runs N           measured runs of each kind, after one warm-up of each (default 20)
  --peers N          testbed size: 1 submitter + N-1 Docker providers, 1 slot each (default 3)
  --image NAME       local image both run (default ${DEFAULT_IMAGE})
  --cmd "SHELL"      command run with sh -c (default "echo hello")
  --ttl SECONDS      lease time-to-live (default 10)`

function textFlag (flag: string, raw: string | boolean | undefined, fallback: string): string {
  if (raw === undefined) return fallback
  if (typeof raw !== 'string' || raw.trim() === '') throw new BenchUsageError(`bench latency: --${flag} must not be empty`)
  return raw
}

export const latencyExperiment: Experiment = {
  name: 'latency',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('latency', argv, OPTIONS)
    const o = {
      runs: intFlag('latency', 'runs', v.runs, 20, 1),
      peers: intFlag('latency', 'peers', v.peers, 3, 2),
      image: textFlag('image', v.image, DEFAULT_IMAGE),
      cmd: textFlag('cmd', v.cmd, 'echo hello'),
      ttlMs: Math.round(numberFlag('latency', 'ttl', v.ttl, 10) * 1000)
    }
    print(`latency: ${o.peers} peers, ${o.runs} runs (+1 warm-up) of "${o.cmd}" in ${o.image}, lease ttl ${o.ttlMs} ms …`)
    try {
      const summary = await runLatency(o, print)
      for (const line of describeLatency(summary)) print(line)
      return [summary]
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      print(`\n== latency FAILED: ${error}`)
      return [{ experiment: 'latency', peers: o.peers, runs: o.runs, error } satisfies LatencyFailure]
    }
  }
}

const pad = (s: string, n: number): string => s.length >= n ? s : s + ' '.repeat(n - s.length)
const num = (ms: number | null): string => ms === null ? '–' : String(Math.round(ms))

function row (label: string, f: Figure): string {
  return `${pad(label, 26)} p50 ${pad(formatMs(f.p50), 8)} p95 ${pad(formatMs(f.p95), 8)} min ${pad(formatMs(f.min), 8)} max ${pad(formatMs(f.max), 8)} (n=${f.n})`
}

/** The human-readable block of one run. */
export function describeLatency (s: LatencySummary): string[] {
  const x = (r: number | null): string => r === null ? '–' : `${r.toFixed(2)}×`
  const lines = [
    '',
    `== latency: ${s.peers} peers (1 submitter, ${s.providers} providers × 1 slot, executor ${s.executor}), ${s.runs} runs, "${s.cmd}" in ${s.image}`,
    `   ${row('bare docker run', s.bareRunMs)}`,
    `   ${row('bare first line', s.bareFirstLineMs)}`,
    `   ${row('peer submit → first line', s.peerFirstLineMs)}`,
    `   ${row('peer submit → done', s.peerDoneMs)}`,
    `   ${row('peer minus executor.run', s.protocolMs)}  (what the peers add to the container's own run)`,
    `   overhead ratio  ${x(s.overheadRatio)}  (p50 peer submit → done ÷ p50 bare docker run)   goal ≤ ${LATENCY_GOAL}: ${s.goalMet ? 'MET' : 'NOT MET'}`,
    `   first-line ratio ${x(s.firstLineRatio)}  (p50 peer submit → first line ÷ p50 bare first line)`
  ]
  if (s.failedRuns > 0) lines.push(`   ! ${s.failedRuns} peer run(s) failed: ${s.failures.join('; ')}`)
  if (s.lostClaims > 0) lines.push(`   ! ${s.lostClaims} claim(s) lost a race to another provider`)
  if (s.stalledRuns > 0) {
    lines.push(`   ! ${s.stalledRuns} run(s) not claimed within ${formatMs(STALL_MS)}; the providers said:`)
    for (const why of s.stalls) lines.push(`     ${why}`)
  }
  lines.push(
    '',
    '-- where the peer\'s time goes (ms; step = p50 of this step alone, at = p50 since the submit call)',
    `   ${pad('step', 56)} ${pad('p50', 6)} ${pad('p95', 6)} at`
  )
  for (const p of PHASES) {
    const f = s.phasesMs[p.id]!
    lines.push(`   ${pad(p.label, 56)} ${pad(num(f.p50), 6)} ${pad(num(f.p95), 6)} ${num(s.phasesAtMs[p.id] ?? null)}`)
    for (const d of p.detail) {
      const g = s.detailMs[d.id]!
      lines.push(`     · ${pad(d.label, 52)} ${pad(num(g.p50), 6)} ${num(g.p95)}`)
    }
  }
  lines.push('   alongside:')
  for (const d of SIDE_STEPS) {
    const g = s.detailMs[d.id]!
    lines.push(`     · ${pad(d.label, 52)} ${pad(num(g.p50), 6)} ${num(g.p95)}`)
  }
  return lines
}
