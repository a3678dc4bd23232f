// The latency benchmark at its smallest: a task through real peers and the real Docker executor,
// against a bare `docker run`, end to end in-process. It checks the report is whole and its figures
// are consistent (an output line comes before the end, each phase ends before the next one),
// not the overhead goal, which is a figure to track rather than a pass/fail condition here.
import { describe, expect, it } from 'vitest'
import { describeLatency } from '../../src/main/bench/latency-command.js'
import { PHASES } from '../../src/main/bench/latency-profile.js'
import { runLatency } from '../../src/main/bench/latency.js'
import { summaryLine } from '../../src/main/bench/results.js'
import { readSetup, TEST_IMAGE } from '../helpers/docker.js'

const noDocker = readSetup()?.docker === false
if (noDocker) console.warn('bench-latency.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

const RUNS = 2

describe.skipIf(noDocker)('bench latency (3 peers, 2 runs)', () => {
  it('times every run both ways and accounts for where the peer spent its time', async () => {
    const progress: string[] = []
    // This checks the report, not the machine: providers see a quiet machine so the load of other
    // work cannot hold a run back (`npm run bench -- latency` samples the real load).
    const summary = await runLatency({ runs: RUNS, peers: 3, image: TEST_IMAGE, cmd: 'echo hello', ttlMs: 10_000, runTimeoutMs: 25_000, realLoad: false }, line => { progress.push(line) })
    const report = [...progress, ...describeLatency(summary)].join('\n')

    expect(summary.failedRuns, report).toBe(0)
    for (const f of [summary.bareRunMs, summary.bareFirstLineMs, summary.peerFirstLineMs, summary.peerDoneMs]) {
      expect(f.n, report).toBe(RUNS)
      expect(f.min!, report).toBeGreaterThan(0)
      expect(f.min!, report).toBeLessThanOrEqual(f.p50!)
      expect(f.p50!, report).toBeLessThanOrEqual(f.max!)
    }
    // The first line is part of the run: it cannot come after the end, on either path.
    expect(summary.bareFirstLineMs.max!, report).toBeLessThanOrEqual(summary.bareRunMs.max!)
    expect(summary.peerFirstLineMs.max!, report).toBeLessThanOrEqual(summary.peerDoneMs.max!)
    expect(summary.overheadRatio, report).toBeCloseTo(summary.peerDoneMs.p50! / summary.bareRunMs.p50!, 1)
    expect(summary.goalMet, report).toBe(summary.overheadRatio! <= summary.goal)

    // Every phase was seen in every run, and the moments come in the order the phases list them.
    for (const p of PHASES) {
      expect(summary.phasesMs[p.id]?.n, `${p.id}\n${report}`).toBe(RUNS)
      expect(summary.phasesMs[p.id]!.min!, `${p.id}\n${report}`).toBeGreaterThanOrEqual(0)
    }
    const at = PHASES.map(p => summary.phasesAtMs[p.id]!)
    expect(at, report).toEqual([...at].sort((a, b) => a - b))
    expect(at[at.length - 1], report).toBeLessThanOrEqual(summary.peerDoneMs.max!)

    // The one-line JSON summary scripts read from the last line of stdout.
    const line = summaryLine([summary])
    expect(line).not.toContain('\n')
    const parsed = JSON.parse(line)
    for (const field of ['experiment', 'executor', 'runs', 'peers', 'bareRunMs', 'bareFirstLineMs', 'peerFirstLineMs', 'peerDoneMs',
      'protocolMs', 'overheadRatio', 'firstLineRatio', 'goal', 'goalMet', 'phasesMs', 'phasesAtMs', 'detailMs']) {
      expect(parsed, field).toHaveProperty(field)
    }
    expect(parsed.experiment).toBe('latency')
    expect(parsed.executor).toBe('docker')
    expect(parsed.peers).toBe(3)
    expect(parsed.runs).toBe(RUNS)
  }, 120_000)
})
