// `bench flood`: flags → runFlood → API latency and peer memory under an output flood and a
// submission burst, against the goals (API p95 < 200 ms, bounded memory).
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import type { ApiLatency } from './flood-probe.js'
import { runFlood, type FloodPhase, type FloodSummary } from './flood.js'
import { describeLoad } from './machine-load.js'
import { formatDistribution } from './stats.js'

/** A run that could not be measured; `error` says why. */
interface FloodFailure { experiment: 'flood', mb: number, burst: number, error: string }

const OPTIONS = {
  mb: { type: 'string' },
  burst: { type: 'string' },
  concurrency: { type: 'string' },
  'probe-ms': { type: 'string' },
  quiet: { type: 'string' },
  image: { type: 'string' },
  timeout: { type: 'string' }
} as const

const DEFAULT_IMAGE = 'mcloud-test/busybox:latest'

const USAGE = `bench flood [flags]   a peer's API latency and memory while a task floods its output, then while tasks are posted in a burst
  --mb N            MB of stdout the Docker task writes in phase 1 (default 500)
  --burst N         tasks posted to the peer's API in phase 2 (default 10000)
  --concurrency N   POSTs in flight at once in the burst (default 100)
  --probe-ms N      GET /api/status and GET /api/tasks are fired every N ms (default 50)
  --quiet SECONDS   idle measurement before each phase and after the burst (default 3)
  --image NAME      local image of the flood task (default ${DEFAULT_IMAGE})
  --timeout SECONDS longest wait for the flood task (default 600)`

export const floodExperiment: Experiment = {
  name: 'flood',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('flood', argv, OPTIONS)
    if (v.image !== undefined && (typeof v.image !== 'string' || v.image.trim() === '')) throw new BenchUsageError('bench flood: --image must not be empty')
    const o = {
      mb: intFlag('flood', 'mb', v.mb, 500, 1),
      burst: intFlag('flood', 'burst', v.burst, 10_000, 1),
      concurrency: intFlag('flood', 'concurrency', v.concurrency, 100, 1),
      probeMs: intFlag('flood', 'probe-ms', v['probe-ms'], 50, 1),
      quietMs: Math.round(numberFlag('flood', 'quiet', v.quiet, 3) * 1000),
      image: typeof v.image === 'string' ? v.image : DEFAULT_IMAGE,
      taskTimeoutMs: Math.round(numberFlag('flood', 'timeout', v.timeout, 600) * 1000)
    }
    print(`flood: ${o.mb} MB of task output, then a burst of ${o.burst} tasks (${o.concurrency} in flight); API probed every ${o.probeMs} ms`)
    try {
      const summary = await runFlood(o, print)
      for (const line of describeFlood(summary)) print(line)
      return [summary]
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      print(`\n== flood FAILED: ${error}`)
      return [{ experiment: 'flood', mb: o.mb, burst: o.burst, error } satisfies FloodFailure]
    }
  }
}

const verdict = (met: boolean): string => met ? 'MET' : 'NOT MET'

function apiLines (label: string, api: ApiLatency): string[] {
  const extra = api.errors + api.skipped > 0 ? `   ${api.errors} failed, ${api.skipped} ticks skipped (too many waiting)` : ''
  return [
    `   ${label} GET /api/status   ${formatDistribution(api.status)}${extra}`,
    `   ${label} GET /api/tasks    ${formatDistribution(api.tasks)}`
  ]
}

function phaseLines (p: FloodPhase, apiMet: boolean, memMet: boolean, s: FloodSummary): string[] {
  const m = p.memory
  return [
    ...apiLines('idle ', p.quietApi),
    ...apiLines('under', p.api),
    `   API p95 < ${s.goals.apiP95Ms} ms (both routes, no failure): ${verdict(apiMet)}`,
    `   peer RSS ${m.rssMb.start} → max ${m.rssMb.max} → ${m.rssMb.end} MiB; heap+external ${m.heapMb.start} → max ${m.heapMb.max} → ${m.heapMb.end} MiB`,
    `   RSS growth ${p.rssGrowthMb} MiB ≤ ${s.goals.rssGrowthMb} MiB: ${verdict(memMet)}`,
    `   peer event-loop delay (worst per 250 ms sample) p95 ${m.peerLoopDelayMs.p95} ms, max ${m.peerLoopDelayMs.max} ms`,
    `   ${describeLoad(p.load)}`
  ]
}

/** The human-readable block of one run. */
export function describeFlood (s: FloodSummary): string[] {
  const o = s.output
  const b = s.burstPhase
  return [
    '',
    `== flood 1: one Docker task writes ${s.mb} MB to stdout (${o.durationMs / 1000} s, ${o.mbPerSec} MB/s): ${o.task.status}, exit ${String(o.task.exitCode)}${o.task.error === null ? '' : `, ${o.task.error}`}`,
    ...phaseLines(o, s.goalMet.outputApi, s.goalMet.outputMemory, s),
    '',
    `== flood 2: ${s.burst} tasks posted, ${s.concurrency} in flight, to a peer with no executor`,
    `   posted in ${(b.postMs / 1000).toFixed(1)} s (${b.postsPerSec}/s): ${b.accepted} accepted, refused ${JSON.stringify(b.refused)}, ${b.failed} without answer; GET /api/tasks lists ${b.listed}`,
    `   POST /api/tasks   ${formatDistribution(b.postLatency)}`,
    ...(b.firstRefusal === null ? [] : [`   first refusal: ${b.firstRefusal}`]),
    ...phaseLines(b, s.goalMet.burstApi, s.goalMet.burstMemory, s)
  ]
}
