// The transfer benchmark at a tiny size, through the same entry as `npm run bench -- transfer`: two
// peer processes move 2 MB by bitswap and by plain TCP. It checks the report is whole (every figure
// measured, the bytes verified, the JSON written, no peer process left), not the ratio goal, which
// is a figure for large transfers on a quiet machine.
import { readFileSync, rmSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BenchUsageError } from '../../src/main/bench/args.js'
import { parseSizes, transferExperiment } from '../../src/main/bench/transfer-command.js'
import type { TransferRun } from '../../src/main/bench/transfer.js'
import { alive, runBench } from '../helpers/bench.js'


describe('bench transfer (2 MB)', () => {
  it('measures fetch, export, plain TCP and a bare libp2p stream, verifies the bytes, writes the JSON and leaves no peer process', async () => {
    const { code, out } = await runBench(['transfer', '--size', '2m'])
    expect(code, out).toBe(0)
    const s = JSON.parse(out.trim().split('\n').at(-1)!) as TransferRun
    const json = /results written to (\S+)/.exec(out)?.[1]
    try {
      expect(s).toMatchObject({ experiment: 'transfer', bytes: 2_000_000, verified: true, goal: { ratio: 0.5 } })
      expect(s.cid).toMatch(/^b[a-z2-7]{50,}$/)
      for (const phase of [s.add, s.fetch, s.export, s.tcp, s.stream]) {
        expect(phase.ms, out).toBeGreaterThanOrEqual(0)
        expect(phase.mbPerSec, out).toBeGreaterThan(0)
      }
      expect(s.fetch.peakRssMb).toBeGreaterThan(0)
      expect(s.ratio).toBeCloseTo(s.fetch.mbPerSec / s.tcp.mbPerSec, 1)
      expect(s.streamRatio).toBeCloseTo(s.stream.mbPerSec / s.tcp.mbPerSec, 1)
      expect(out).toContain('libp2p stream copy (Noise + yamux, no bitswap)')
      expect(typeof s.goalMet).toBe('boolean')
      expect(out).toContain('goal: fetch ≥ 0.5 × plain TCP')
      expect(json, out).toBeDefined()
      const body = JSON.parse(readFileSync(json!, 'utf8')) as { command: string, results: TransferRun[] }
      expect(body.command).toBe('npm run bench -- transfer --size 2m')
      expect(body.results[0]!.bytes).toBe(2_000_000)
      expect(s.pids).toHaveLength(2)
      for (const pid of s.pids) expect(alive(pid), `peer process ${pid} still running`).toBe(false)
    } finally {
      if (json !== undefined) rmSync(json, { force: true })
    }
  }, 90_000)

  it('reads sizes with units and names the flag on bad input', async () => {
    expect(parseSizes('100m,1g,2.5k')).toEqual([100e6, 1e9, 2500])
    await expect(transferExperiment.run(['--size', '0'], () => {})).rejects.toThrow(BenchUsageError)
    await expect(transferExperiment.run(['--size', '10x'], () => {})).rejects.toThrow('--size')
    await expect(transferExperiment.run(['--concurrency', '0'], () => {})).rejects.toThrow('--concurrency')
  })
})
