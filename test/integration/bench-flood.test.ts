// The flood benchmark at a tiny size, through the same entry as `npm run bench -- flood`: a Docker
// task writes 5 MB while the peer's API is probed, then 200 tasks are posted at once. It checks the
// report is whole (both phases measured, the task succeeded, every POST answered, the JSON written,
// no peer process left), not the latency goal, which is a figure for a quiet machine.
import { readFileSync, rmSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BenchUsageError } from '../../src/main/bench/args.js'
import { floodExperiment } from '../../src/main/bench/flood-command.js'
import type { FloodSummary } from '../../src/main/bench/flood.js'
import { readSetup } from '../helpers/docker.js'
import { alive, runBench } from '../helpers/bench.js'

const noDocker = readSetup()?.docker === false
if (noDocker) console.warn('bench-flood.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')


describe.skipIf(noDocker)('bench flood (5 MB of output, a burst of 200 tasks)', () => {
  it('measures API latency and peer memory in both phases, writes the JSON and leaves no peer process', async () => {
    const { code, out } = await runBench(['flood', '--mb', '5', '--burst', '200', '--quiet', '1'])
    expect(code, out).toBe(0)
    const s = JSON.parse(out.trim().split('\n').at(-1)!) as FloodSummary
    const json = /results written to (\S+)/.exec(out)?.[1]
    try {
      expect(s.output.task, out).toEqual({ status: 'succeeded', exitCode: 0, error: null })
      expect(s.burstPhase.accepted + s.burstPhase.failed + Object.values(s.burstPhase.refused).reduce((a, b) => a + b, 0), out).toBe(200)
      expect(s.burstPhase.failed, out).toBe(0)
      expect(s.burstPhase.postLatency.n).toBe(200)
      for (const p of [s.output, s.burstPhase]) {
        expect(p.api.status.n, out).toBeGreaterThan(0)
        expect(p.api.tasks.n, out).toBeGreaterThan(0)
        expect(p.quietApi.status.n, out).toBeGreaterThan(5)
        expect(p.memory.rssMb.max, out).toBeGreaterThanOrEqual(p.memory.rssMb.start)
        expect(p.memory.heapMb.start, out).toBeGreaterThan(0)
        expect(p.memory.points.length, out).toBeGreaterThan(0)
      }
      expect(out).toContain('API p95 < 200 ms')
      expect(out).toContain('RSS growth')
      expect(json, out).toBeDefined()
      expect(JSON.parse(readFileSync(json!, 'utf8')).results[0].burst).toBe(200)
      expect(s.pids).toHaveLength(3)
      for (const pid of s.pids) expect(alive(pid), `peer process ${pid} still running`).toBe(false)
    } finally {
      if (json !== undefined) rmSync(json, { force: true })
    }
  }, 90_000)

  it('names the flag on bad input', async () => {
    await expect(floodExperiment.run(['--mb', '0'], () => {})).rejects.toThrow(BenchUsageError)
    await expect(floodExperiment.run(['--burst', 'x'], () => {})).rejects.toThrow('--burst')
    await expect(floodExperiment.run(['--image', ' '], () => {})).rejects.toThrow('--image')
  })
})
