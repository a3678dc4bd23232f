// The throughput benchmark at its smallest, through the same entry as `npm run bench -- throughput`:
// real peers, the real Docker executor, a bare `docker run --rm` timed in the same run. It checks
// the report is whole and consistent (every task succeeded once, the ratio is actual ÷ ideal), not
// the 1.2 goal, which is a figure to track on a quiet machine rather than a pass/fail condition.
import { describe, expect, it } from 'vitest'
import { describeThroughput, throughputExperiment } from '../../src/main/bench/throughput-command.js'
import type { ThroughputSummary } from '../../src/main/bench/throughput.js'
import { summaryLine } from '../../src/main/bench/results.js'
import { BenchUsageError } from '../../src/main/bench/args.js'
import { readSetup } from '../helpers/docker.js'

const noDocker = readSetup()?.docker === false
if (noDocker) console.warn('bench-throughput.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

const ARGV = ['--providers', '2', '--slots', '1', '--tasks', '4', '--cmd', 'sleep 0.2', '--baseline-runs', '1', '--timeout', '40']

describe.skipIf(noDocker)('bench throughput (2 providers × 1 slot, 4 Docker tasks)', () => {
  it('runs every task once and reports actual vs ideal, where the time went and how loaded the testbed was', async () => {
    const progress: string[] = []
    const summaries = await throughputExperiment.run(ARGV, line => { progress.push(line) })
    expect(summaries).toHaveLength(1)
    const s = summaries[0] as ThroughputSummary
    const report = [...progress, ...('error' in s ? [] : describeThroughput(s))].join('\n')
    expect(s, report).not.toHaveProperty('error')

    expect(s.executor, report).toBe('docker')
    expect(s.totalSlots, report).toBe(2)
    expect(s.timedOut, report).toBe(false)
    expect(s.succeeded, report).toBe(4)
    expect(s.statuses, report).toEqual({ succeeded: 4 })
    expect(s.duplicateCommits, report).toBe(0)
    expect(s.duplicateExecutions, report).toBe(0)

    expect(s.bareMedianMs, report).toBeGreaterThan(0)
    expect(s.idealMs, report).toBe(Math.round(4 * s.bareMedianMs / 2))
    expect(s.throughputRatio, report).toBeGreaterThan(0)
    expect(s.throughputRatio, report).toBeCloseTo(s.actualMs / s.idealMs, 1)
    // Nothing finishes before its container has run: the run cannot beat one task's own duration.
    expect(s.actualMs, report).toBeGreaterThanOrEqual(s.profile.execMs.max!)
    expect(s.submitToClaimMs.n, report).toBe(4)
    expect(s.profile.execMs.n, report).toBe(4)
    expect(s.profile.slotUtilisation, report).toBeGreaterThan(0)
    expect(s.profile.slotUtilisation, report).toBeLessThanOrEqual(1)
    // With 1 slot per provider, the second round of tasks refills freed slots: each step was timed.
    expect(s.profile.refill.totalMs.n, report).toBeGreaterThan(0)
    expect(s.profile.refill.commitMs.n, report).toBe(s.profile.refill.totalMs.n)
    expect(s.load.eventLoopDelayMs.p99, report).toBeGreaterThanOrEqual(0)
    expect(s.load.processCpuPct, report).toBeGreaterThan(0)
    expect(s.load.cores, report).toBeGreaterThan(0)

    // The printed block carries the headline figures, and the last stdout line parses.
    expect(report).toContain('throughputRatio')
    expect(report).toContain('event-loop delay')
    const parsed = JSON.parse(summaryLine([s]))
    expect(parsed.experiment).toBe('throughput')
    expect(parsed.throughputRatio).toBe(s.throughputRatio)
  }, 60_000)

  it('names the flag on bad input', async () => {
    await expect(throughputExperiment.run(['--slots', '0'], () => {})).rejects.toThrow(BenchUsageError)
    await expect(throughputExperiment.run(['--slots', '0'], () => {})).rejects.toThrow('--slots')
    await expect(throughputExperiment.run(['--cmd', ' '], () => {})).rejects.toThrow('--cmd')
    await expect(throughputExperiment.run(['--workers', '3'], () => {})).rejects.toThrow('workers')
  })
})
