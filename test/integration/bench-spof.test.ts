// The SPOF benchmark at its smallest, through the same entry as `npm run bench -- spof`: real
// providers with the Docker executor, and the real `mcloud control` in its own process, SIGKILLed
// mid-run and restarted on the same data dir (embedded PGlite). Tasks must keep succeeding while
// it is down, and its database must agree with the DHT again after the restart.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeSpof, spofExperiment } from '../../src/main/bench/spof-command.js'
import type { SpofSummary } from '../../src/main/bench/spof.js'
import { summaryLine, writeResults } from '../../src/main/bench/results.js'
import { readSetup } from '../helpers/docker.js'

const noDocker = readSetup()?.docker === false
if (noDocker) console.warn('bench-spof.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

// Two rounds of 2–3 s tasks on 2 providers: the second round runs entirely inside the 6 s outage.
const ARGV = ['--providers', '2', '--tasks', '4', '--min-sec', '2', '--max-sec', '3', '--kill-at', '2', '--down', '6']

describe.skipIf(noDocker)('bench spof (2 providers, 4 Docker tasks, control peer killed for 6 s)', () => {
  it('tasks succeed while the control peer is down; after the restart its database agrees with the DHT; JSON and SVG written', async () => {
    const progress: string[] = []
    const startedAt = new Date()
    const summaries = await spofExperiment.run(ARGV, line => { progress.push(line) })
    expect(summaries).toHaveLength(1)
    const s = summaries[0] as SpofSummary
    const report = [...progress, ...('error' in s ? [] : describeSpof(s))].join('\n')
    expect(s, report).not.toHaveProperty('error')

    expect(s.executor, report).toBe('docker')
    expect(s.database, report).toBe('pglite')
    expect(s.successRate, report).toBe(1)
    expect(s.statuses, report).toEqual({ succeeded: 4 })
    expect(s.duplicateCommits, report).toBe(0)
    expect(s.restartError, report).toBeNull()
    // The network did not wait for the control peer.
    expect(s.succeededWhileDown, report).toBeGreaterThan(0)
    const down = s.timeline.filter(p => p.control === 'down')
    expect(down.length, report).toBeGreaterThanOrEqual(4)
    expect(down.every(p => p.dbSucceeded === null), report).toBe(true)
    expect(Math.max(...down.map(p => p.dhtSucceeded)), report).toBeGreaterThan(s.succeededAtKill!)
    // The restarted control peer caught up: every row is the DHT-selected state, measured.
    expect(s.restartToApiMs, report).toBeGreaterThan(0)
    expect(s.agreementMs, report).not.toBeNull()
    expect(s.agreementMs!, report).toBeGreaterThanOrEqual(0)
    expect(s.finalAgreement, report).toEqual({ agreeing: 4, tasks: 4 })
    expect(s.disagreements, report).toEqual([])
    expect(s.timeline[s.timeline.length - 1], report).toMatchObject({ dhtSucceeded: 4, dbSucceeded: 4, dbAgreeing: 4, control: 'up' })
    expect(s.goalMet, report).toBe(true)
    expect(s.killedAtSec!, report).toBeLessThan(s.restartedAtSec!)
    expect(s.restartedAtSec!, report).toBeLessThan(s.apiBackAtSec!)
    expect(s.apiBackAtSec!, report).toBeLessThanOrEqual(s.agreementAtSec!)

    // What `npm run bench` writes: the JSON (summary on one line too) and the chart next to it.
    const dir = await mkdtemp(join(tmpdir(), 'mcloud-bench-spof-'))
    try {
      const path = await writeResults('spof', ARGV, startedAt, summaries, dir)
      expect((await readdir(dir)).sort()).toEqual([path.slice(dir.length + 1), path.slice(dir.length + 1).replace(/\.json$/, '.svg')].sort())
      const body = JSON.parse(await readFile(path, 'utf8'))
      expect(body.results).toHaveLength(1)
      for (const field of ['providers', 'tasks', 'killAtSec', 'downSec', 'succeededWhileDown', 'successRate', 'agreementMs', 'restartToApiMs', 'database', 'executor', 'timeline']) {
        expect(body.results[0], field).toHaveProperty(field)
      }
      expect(body.results[0].timeline[0]).toEqual({ t: expect.any(Number), dhtSucceeded: expect.any(Number), dbSucceeded: expect.any(Number), dbAgreeing: null, control: 'up' })
      expect(JSON.parse(summaryLine(summaries)).agreementMs).toBe(s.agreementMs)

      const svg = await readFile(path.replace(/\.json$/, '.svg'), 'utf8')
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
      expect(svg.match(/<text/g)?.length).toBe(svg.match(/<\/text>/g)?.length)
      for (const text of ['No single point of failure', 'tasks succeeded (DHT', 'control peer\'s database', 'control peer down', 'seconds since the first submit']) {
        expect(svg).toContain(text)
      }
      // Both lines drawn, and the outage shaded.
      expect(svg.match(/<path d="M/g)?.length).toBeGreaterThanOrEqual(2)
      expect(svg).toContain('fill="#f8d0d0"')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
