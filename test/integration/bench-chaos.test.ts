// The chaos benchmark at a tiny size, through the same entry as `npm run bench -- chaos`: real
// peers in this process, a quarter of the providers killed abruptly at once while they hold leases.
// Every task must still succeed exactly once, the lost leases must run again elsewhere with both
// MTTR figures measured, and the JSON and both charts must be written.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chaosExperiment, describeChaos } from '../../src/main/bench/chaos-command.js'
import type { ChaosSummary } from '../../src/main/bench/chaos.js'
import { summaryLine, writeResults } from '../../src/main/bench/results.js'

// 8 agents = 3 submitters + 5 providers; 25% of 5 → 1 provider killed, one holding leases.
const ARGV = ['--agents', '8', '--tasks', '30', '--kill', '25', '--ttl', '3', '--task-ms', '2000', '--timeout', '45']

describe('bench chaos (8 agents, 30 tasks, 25% of the providers killed at once, ttl 3 s)', () => {
  it('every task succeeds once, the killed leases run elsewhere with both MTTRs measured; JSON and charts written', async () => {
    const progress: string[] = []
    const startedAt = new Date()
    const summaries = await chaosExperiment.run(ARGV, line => { progress.push(line) })
    expect(summaries).toHaveLength(1)
    const s = summaries[0] as ChaosSummary
    const report = [...progress, ...('error' in s ? [] : describeChaos(s))].join('\n')
    expect(s, report).not.toHaveProperty('error')

    expect(s.executor, report).toBe('simulated-sleep (no containers)')
    expect(s.successRate, report).toBe(1)
    expect(s.statuses, report).toEqual({ succeeded: 30 })
    expect(s.duplicateCommits, report).toBe(0)
    expect(s.killed, report).toBe(1)
    expect(s.killedHolding, report).toBe(1)
    expect(s.killedAtSec, report).not.toBeNull()
    // The killed peer's leases all ran again on another peer, and both definitions were measured.
    expect(s.leasesKilled, report).toBeGreaterThanOrEqual(1)
    expect(s.leasesRecovered, report).toBe(s.leasesKilled)
    expect(s.mttrEndToEndMs.p95, report).toEqual(expect.any(Number))
    expect(s.mttrDetectedMs.n, report).toBeGreaterThanOrEqual(1)
    expect(s.mttrDetectedMs.p95, report).toEqual(expect.any(Number))
    expect(s.claimLatencyMs.n, report).toBe(30)
    expect(s.load.eventLoopDelayMs.p99, report).toEqual(expect.any(Number))
    expect(s.peakRssPerPeerMb, report).toBeGreaterThan(0)
    expect(s.prototype, report).toBeNull()
    expect(progress.join('\n')).toContain('| agents | TTL | kill % |')

    // What `npm run bench` writes: the JSON (summary on one line too) and both charts next to it.
    const dir = await mkdtemp(join(tmpdir(), 'mcloud-bench-chaos-'))
    try {
      const path = await writeResults('chaos', ARGV, startedAt, summaries, dir)
      const base = path.slice(dir.length + 1).replace(/\.json$/, '')
      expect((await readdir(dir)).sort()).toEqual([`${base}.json`, `${base}.mttr.svg`, `${base}.rates.svg`])
      const body = JSON.parse(await readFile(path, 'utf8'))
      for (const field of ['agents', 'killPct', 'killed', 'successRate', 'duplicateCommits', 'overlappingRuns', 'mttrEndToEndMs', 'mttrDetectedMs', 'claimLatencyMs', 'load', 'goals']) {
        expect(body.results[0], field).toHaveProperty(field)
      }
      expect(JSON.parse(summaryLine(summaries)).mttrDetectedMs).toEqual(s.mttrDetectedMs)

      const mttr = await readFile(join(dir, `${base}.mttr.svg`), 'utf8')
      const rates = await readFile(join(dir, `${base}.rates.svg`), 'utf8')
      for (const svg of [mttr, rates]) {
        expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
        expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
      }
      for (const text of ['MTTR end-to-end p95', 'MTTR detected p95', 'TTL 3 s', 'prototype', '% of providers killed at once']) expect(mttr).toContain(text)
      for (const text of ['success %', 'duplicate commits %', '% of providers killed at once']) expect(rates).toContain(text)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
