// The idle-cost benchmark at a tiny size: three idle peers measured for 2 s give per-peer CPU and
// memory figures a report can use, and bad flags name themselves.
import { describe, expect, it } from 'vitest'
import { BenchUsageError } from '../../src/main/bench/args.js'
import { idleExperiment, type IdleSummary } from '../../src/main/bench/idle-command.js'

describe('bench idle (3 peers, 2 s)', () => {
  it('reports CPU and memory per idle peer and how loaded the testbed was', async () => {
    const lines: string[] = []
    const [s] = await idleExperiment.run(['--peers', '3', '--settle', '1', '--measure', '2'], line => { lines.push(line) }) as IdleSummary[]
    const report = lines.join('\n')
    expect(s!.peers, report).toBe(3)
    expect(s!.measureSec, report).toBe(2)
    expect(s!.cpuPct, report).toBeGreaterThanOrEqual(0)
    expect(s!.cpuPctPerPeer, report).toBeCloseTo(s!.cpuPct / 3, 1)
    expect(s!.rssMb, report).toBeGreaterThan(0)
    expect(s!.connectionsPerPeer, report).toBeGreaterThan(0)
    expect(s!.load.eventLoopDelayMs.p99, report).toBeGreaterThanOrEqual(0)
    expect(report).toContain('per peer')
  }, 60_000)

  it('names the flag on bad input', async () => {
    await expect(idleExperiment.run(['--peers', '1'], () => {})).rejects.toThrow(BenchUsageError)
    await expect(idleExperiment.run(['--measure', 'x'], () => {})).rejects.toThrow('--measure')
  })
})
