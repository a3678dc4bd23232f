import { describe, expect, it } from 'vitest'
import { BenchUsageError } from './args.js'
import { victimsFor } from './chaos.js'
import { chaosExperiment, chaosTable } from './chaos-command.js'
import { chaosMttrChartSvg } from './chaos-chart.js'

describe('bench chaos flags', () => {
  const fails = async (argv: string[]): Promise<string> => {
    const err = await chaosExperiment.run(argv, () => {}).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(BenchUsageError)
    return (err as Error).message
  }

  it('rejects bad input with one line naming the flag, before starting any peer', async () => {
    expect(await fails(['--kill', '10,120'])).toBe('bench chaos: --kill must be a comma list of percentages from 1 to 99, got "10,120"')
    expect(await fails(['--kill', '0'])).toContain('--kill')
    expect(await fails(['--ttl', '10,0.1'])).toBe('bench chaos: --ttl must be a comma list of seconds from 0.5 to 600, got "10,0.1"')
    expect(await fails(['--ttl', 'ten'])).toContain('--ttl')
    expect(await fails(['--agents', '2'])).toContain('--agents')
    expect(await fails(['--tasks', '-1'])).toContain('--tasks')
    expect(await fails(['--kill-at', '0'])).toContain('--kill-at')
    expect(await fails(['--frobnicate'])).toContain('--frobnicate')
  })
})

describe('victimsFor', () => {
  it('kills the rounded share, at least one provider and never all of them', () => {
    expect(victimsFor(97, 10)).toBe(10)
    expect(victimsFor(97, 60)).toBe(58)
    expect(victimsFor(5, 10)).toBe(1)
    expect(victimsFor(2, 99)).toBe(1)
  })
})

describe('chaos table and chart', () => {
  it('keeps a point that could not be measured visible, with its error', () => {
    const failed = { experiment: 'chaos' as const, agents: 30, ttlMs: 3000, killPct: 40, tasks: 200, error: 'testbed: 2 of 30 peers still have fewer than 3 peers' }
    expect(chaosTable([failed]).join('\n')).toContain('| 30 | 3 s | 40 | failed: testbed: 2 of 30 peers')
    const svg = chaosMttrChartSvg([{ agents: 30, ttlMs: 3000, killPct: 40, summary: null }])
    expect(svg).toContain('TTL 3 s')
    // The prototype's published line is always drawn for comparison.
    expect(svg).toContain('prototype, MTTR from detected expiry')
  })
})
