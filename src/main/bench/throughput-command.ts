// `bench throughput`: flags → runThroughput → actual vs ideal, the testbed's load, and where the time went.
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { describeLoad } from './machine-load.js'
import { formatDistribution, formatMs } from './stats.js'
import { runThroughput, TASK_CPU, THROUGHPUT_GOAL, type ThroughputSummary } from './throughput.js'

/** A configuration that could not be measured; `error` says why. */
interface ThroughputFailure { experiment: 'throughput', providers: number, slots: number, tasks: number, error: string }

const OPTIONS = {
  providers: { type: 'string' },
  slots: { type: 'string' },
  tasks: { type: 'string' },
  cmd: { type: 'string' },
  image: { type: 'string' },
  'baseline-runs': { type: 'string' },
  ttl: { type: 'string' },
  timeout: { type: 'string' }
} as const

const DEFAULT_IMAGE = 'mcloud-test/busybox:latest'

const USAGE = `bench throughput [flags]   many Docker tasks at once through the peers vs. the ideal tasks × bare \`docker run --rm\` ÷ slots
  --providers N        Docker providers (default 3); one more peer, without executor, submits every task
  --slots N            tasks each provider runs at once (default 2)
  --tasks N            tasks submitted at once (default 200)
  --cmd "SHELL"        command every task and every bare run executes, as \`sh -c "SHELL"\` (default "sleep 1")
  --image NAME         local image (default ${DEFAULT_IMAGE})
  --baseline-runs N    bare \`docker run --rm\` runs timed after one warm-up; the median is the ideal's unit (default 5)
  --ttl SECONDS        lease time-to-live (default 10)
  --timeout SECONDS    longest wait for every task (default 4× the ideal + 120)`

function textFlag (flag: string, raw: string | boolean | undefined, fallback: string): string {
  if (raw === undefined) return fallback
  if (typeof raw !== 'string' || raw.trim() === '') throw new BenchUsageError(`bench throughput: --${flag} must not be empty`)
  return raw
}

export const throughputExperiment: Experiment = {
  name: 'throughput',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('throughput', argv, OPTIONS)
    const timeout = v.timeout === undefined ? undefined : numberFlag('throughput', 'timeout', v.timeout, 1)
    const o = {
      providers: intFlag('throughput', 'providers', v.providers, 3, 1),
      slots: intFlag('throughput', 'slots', v.slots, 2, 1),
      tasks: intFlag('throughput', 'tasks', v.tasks, 200, 1),
      cmd: textFlag('cmd', v.cmd, 'sleep 1'),
      image: textFlag('image', v.image, DEFAULT_IMAGE),
      baselineRuns: intFlag('throughput', 'baseline-runs', v['baseline-runs'], 5, 1),
      ttlMs: Math.round(numberFlag('throughput', 'ttl', v.ttl, 10) * 1000),
      timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000)
    }
    print(`throughput: ${o.providers} Docker providers × ${o.slots} slots, ${o.tasks} tasks of \`sh -c "${o.cmd}"\` in ${o.image}, lease ttl ${o.ttlMs} ms`)
    print(`  every task requests cpu ${TASK_CPU}; providers see a quiet machine of ${o.slots} cores (realLoad false), so only the slots limit them, not the sampled load`)
    try {
      const summary = await runThroughput(o, print)
      for (const line of describeThroughput(summary)) print(line)
      return [summary]
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      print(`\n== throughput FAILED: ${error}`)
      return [{ experiment: 'throughput', providers: o.providers, slots: o.slots, tasks: o.tasks, error } satisfies ThroughputFailure]
    }
  }
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/** The human-readable block of one run. */
export function describeThroughput (s: ThroughputSummary): string[] {
  const p = s.profile
  const lines = [
    '',
    `== throughput: ${s.providers} providers × ${s.slotsPerProvider} slots (executor ${s.executor}), ${s.tasks} tasks of "${s.cmd}"`,
    `   bare docker run --rm     ${formatDistribution(s.bareRunMs)}; median ${s.bareMedianMs} ms`,
    `   ideal                    ${sec(s.idealMs)}  (${s.tasks} × ${s.bareMedianMs} ms ÷ ${s.totalSlots} slots)`,
    `   actual                   ${sec(s.actualMs)}  (first submit → last task terminal at the submitter)${s.timedOut ? '  DEADLINE HIT' : ''}`,
    `   throughputRatio          ${s.throughputRatio.toFixed(2)}×   goal ≤ ${THROUGHPUT_GOAL}: ${s.goalMet ? 'MET' : 'NOT MET'}`,
    `   succeeded                ${s.succeeded}/${s.tasks}   duplicate commits ${s.duplicateCommits}   duplicate executions ${s.duplicateExecutions}`,
    `   submit → claim           ${formatDistribution(s.submitToClaimMs)}`,
    `   ${describeLoad(s.load)}`,
    '',
    '-- where the time goes',
    `   submitting all tasks     ${formatMs(p.submitPhaseMs)}; first container started ${formatMs(p.firstStartMs)} after the first submit`,
    `   claim → executor.run     ${formatDistribution(p.claimToExecMs)}`,
    `   executor.run             ${formatDistribution(p.execMs)}  (${p.execSlowdown === null ? '–' : `${p.execSlowdown.toFixed(2)}×`} the bare median, with every slot busy)`,
    `   run end → result seen    ${formatDistribution(p.execEndToResultMs)}`,
    `   slot utilisation         ${Math.round(p.slotUtilisation * 100)}% of slot time inside executor.run; tail (last run end → last result) ${formatMs(p.tailMs)}`,
    '   a freed slot refilled, while tasks were waiting:',
    `     exit → committed       ${formatDistribution(p.refill.commitMs)}  (container removed, result written; beside the next claim)`,
    `     exit → next claim      ${formatDistribution(p.refill.waitMs)}  (scheduler tick, rank step, load back-off, jitter)`,
    `     claim (read, write, settle, re-read) ${formatDistribution(p.refill.claimMs)}; ${p.refill.lostClaims} claim(s) did not win their task`,
    `     claimed → next run     ${formatDistribution(p.refill.startMs)}`,
    `     exit → next run        ${formatDistribution(p.refill.totalMs)}`
  ]
  if (s.failures.length > 0) lines.push(`   ! not succeeded: ${s.failures.join('; ')}`)
  return lines
}
