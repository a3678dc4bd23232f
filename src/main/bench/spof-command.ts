// `bench spof`: flags → runSpof → the figures, the goal, the timeline, and the chart (an SVG
// written next to the results JSON).
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { withCompanions } from './results.js'
import { expectedRunSec, runSpof, type SpofSummary } from './spof.js'
import { spofChartSvg } from './spof-chart.js'
import { formatMs } from './stats.js'

/** A run that could not be measured; `error` says why. */
interface SpofFailure { experiment: 'spof', providers: number, tasks: number, error: string }

const OPTIONS = {
  providers: { type: 'string' },
  tasks: { type: 'string' },
  slots: { type: 'string' },
  'min-sec': { type: 'string' },
  'max-sec': { type: 'string' },
  'kill-at': { type: 'string' },
  down: { type: 'string' },
  ttl: { type: 'string' },
  db: { type: 'string' },
  timeout: { type: 'string' }
} as const

const IMAGE = 'mcloud-test/busybox:latest'
// The lease bounds of the task state record (shared/schemas: ttlMs 500 … 600 000).
const MIN_TTL_MS = 500
const MAX_TTL_MS = 600_000

const USAGE = `bench spof [flags]   providers run Docker tasks while the control peer (mcloud control, its own process) is SIGKILLed and restarted
  --providers N      peers running tasks with the Docker executor (default 10); one more peer submits and observes
  --tasks N          tasks, each \`sleep S\` in ${IMAGE} (default 50)
  --slots N          tasks each provider runs at once (default 1)
  --min-sec S        shortest task, whole seconds (default 10)
  --max-sec S        longest task, whole seconds (default 30)
  --kill-at S        seconds after the first submit when the control peer is SIGKILLed (default: a third of the expected run)
  --down S           seconds it stays down before the restart on the same data dir (default 30)
  --ttl MS           lease time-to-live in milliseconds (default 10000)
  --db URL           postgres://… for the control peer (default: its embedded PGlite, the product default)
  --timeout S        longest wait for the tasks, then for agreement (default: 4× the expected run + down + 120)`

export const spofExperiment: Experiment = {
  name: 'spof',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('spof', argv, OPTIONS)
    const size = {
      providers: intFlag('spof', 'providers', v.providers, 10, 1),
      tasks: intFlag('spof', 'tasks', v.tasks, 50, 1),
      slots: intFlag('spof', 'slots', v.slots, 1, 1),
      minSec: intFlag('spof', 'min-sec', v['min-sec'], 10, 1),
      maxSec: intFlag('spof', 'max-sec', v['max-sec'], 30, 1)
    }
    if (size.maxSec < size.minSec) throw new BenchUsageError(`bench spof: --max-sec must be ≥ --min-sec (${size.minSec}), got "${size.maxSec}"`)
    const ttlMs = intFlag('spof', 'ttl', v.ttl, 10_000, 0)
    // Unlike claim and latency (seconds), this flag is in milliseconds: say so when "--ttl 10" was meant as seconds.
    if (ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) throw new BenchUsageError(`bench spof: --ttl is in milliseconds, from ${MIN_TTL_MS} to ${MAX_TTL_MS}, got "${String(v.ttl)}"`)
    const o = {
      ...size,
      ttlMs,
      killAtSec: numberFlag('spof', 'kill-at', v['kill-at'], Math.max(1, Math.round(expectedRunSec(size) / 3))),
      downSec: numberFlag('spof', 'down', v.down, 30),
      dbUrl: dbFlag(v.db),
      image: IMAGE,
      timeoutMs: v.timeout === undefined ? undefined : Math.round(numberFlag('spof', 'timeout', v.timeout, 1) * 1000)
    }
    print(`spof: ${o.providers} providers × ${o.slots} slot(s), ${o.tasks} Docker tasks of ${o.minSec}–${o.maxSec} s (expected run ~${Math.round(expectedRunSec(o))} s), ` +
      `control peer SIGKILLed at ${o.killAtSec} s for ${o.downSec} s, lease ttl ${o.ttlMs} ms, database ${o.dbUrl === undefined ? 'PGlite (embedded)' : 'PostgreSQL (--db)'} …`)
    try {
      const summary = await runSpof(o, print)
      for (const line of describeSpof(summary)) print(line)
      return [withCompanions(summary, [{ ext: 'svg', content: spofChartSvg(summary) }])]
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      print(`\n== spof FAILED: ${error}`)
      return [{ experiment: 'spof', providers: o.providers, tasks: o.tasks, error } satisfies SpofFailure]
    }
  }
}

function dbFlag (raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string' || !/^postgres(ql)?:\/\/\S+$/.test(raw)) {
    // Never echo a password into a terminal or a log.
    throw new BenchUsageError(`bench spof: --db must be a postgres:// URL, got "${String(raw).replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@')}"`)
  }
  return raw
}

const sec = (s: number | null): string => s === null ? '–' : `${s.toFixed(1)} s`

/** The human-readable block of one run, then the timeline (about 40 rows at most). */
export function describeSpof (s: SpofSummary): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  const lines = [
    '',
    `== spof: ${s.providers} providers × ${s.slotsPerProvider} slot(s), ${s.tasks} tasks of ${s.taskSec.min}–${s.taskSec.max} s, executor ${s.executor} (${s.image}), lease ttl ${s.leaseTtlMs} ms, database ${s.database}`,
    `   control peer       started in ${formatMs(s.controlStartMs)}; SIGKILLed at ${sec(s.killedAtSec)}, restarted at ${sec(s.restartedAtSec)}, its API answering at ${sec(s.apiBackAtSec)} (restart → API ${formatMs(s.restartToApiMs)})`,
    `   while it was down  ${s.succeededWhileDown} tasks succeeded between the SIGKILL and the restart (bracketed by the observer's reads; its count went ${s.succeededAtKill ?? '–'} → ${s.succeededAtRestart ?? '–'})`,
    `   success            ${pct(s.successRate)}  ${JSON.stringify(s.statuses)}   duplicate commits ${s.duplicateCommits}`,
    s.agreementMs === null
      ? '   agreement          NOT REACHED after the restart'
      : `   agreement          every row = the DHT-selected state ${formatMs(s.agreementMs)} after the API answered (at ${sec(s.agreementAtSec)}, ${s.openTasksAtAgreement ?? '?'} tasks still open)`,
    `   reconciles         the control peer finished re-reading its open tasks at ${s.reconcilesAtSec.length === 0 ? '–' : s.reconcilesAtSec.map(t => `${t.toFixed(1)} s`).join(', ')}`,
    `   at the end         ${s.finalAgreement.agreeing}/${s.finalAgreement.tasks} rows agree (status, lease token = epoch, holder, seq, signature hash)`,
    `   duration           ${formatMs(s.durationMs)}   ${s.timedOut ? '(DEADLINE REACHED: not every task finished)' : '(first submit → every task terminal)'}`,
    `   goal               ${s.goalMet ? 'MET' : 'NOT MET'}: tasks succeed while the control peer is down, 100% success, no duplicate commit, its database catches up`,
    `   machine            event-loop delay here p50 ${s.eventLoopDelayMs.p50} ms, p99 ${s.eventLoopDelayMs.p99} ms, max ${s.eventLoopDelayMs.max} ms; highest load average ${s.maxLoadAvg}`
  ]
  for (const why of s.failures) lines.push(`   ! not succeeded: ${why}`)
  if (s.restartError !== null) lines.push(`   ! restart failed: ${s.restartError}`)
  for (const d of s.disagreements) lines.push(`   ! ${d.taskId.slice(0, 12)} ${d.field}: database ${d.db}, DHT ${d.dht}`)
  for (const d of s.duplicates) lines.push(`   ! duplicate ${d.taskId.slice(0, 12)}: ${d.commits.map(c => `${c.status}@${c.epoch} by ${c.holder.slice(-8)}`).join(', ')}`)
  lines.push('', '-- timeline: tasks succeeded per the DHT (observer peer) and per the control peer\'s database', '   t (s)   DHT   DB    control')
  const last = s.timeline[s.timeline.length - 1]?.t ?? 0
  const step = Math.max(1, Math.ceil(last / 40))
  let next = 0
  for (const p of s.timeline) {
    if (p.t < next && p !== s.timeline[s.timeline.length - 1]) continue
    next = Math.floor(p.t / step) * step + step
    lines.push(`   ${p.t.toFixed(1).padStart(6)}  ${String(p.dhtSucceeded).padStart(4)}  ${(p.dbSucceeded === null ? '–' : String(p.dbSucceeded)).padStart(4)}  ${p.control}`)
  }
  return lines
}
