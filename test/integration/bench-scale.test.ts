// The scale benchmark at a tiny size, run as a user runs it (`npm run bench -- scale`): 12 real
// peers in 2 worker processes run 24 simulated tasks, each exactly once, the figures and the JSON
// are there, and no worker process outlives the bench — not even when the bench is SIGKILLed.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BenchUsageError } from '../../src/main/bench/args.js'
import { scaleExperiment, type ScaleSummary } from '../../src/main/bench/scale-command.js'
import { alive, runBench } from '../helpers/bench.js'

const bench = (args: string[]): ReturnType<typeof spawn> =>
  spawn(process.execPath, ['--import', 'tsx', 'src/main/bench/index.ts', 'scale', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] })

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

describe('bench scale (12 agents in 2 processes, 2 tasks each)', () => {
  it('runs every task once with no duplicate, reports the figures, writes the JSON and leaves no worker behind', async () => {
    const { code, out } = await runBench(['scale', '--agents', '12', '--procs', '2', '--tasks-per-agent', '2', '--settle', '1', '--idle', '2', '--task-sec', '0.5', '--deadline', '50', '--start-timeout', '40'])
    const lines = out.trim().split('\n')
    expect(code, out).toBe(0)
    const s = JSON.parse(lines[lines.length - 1]!) as ScaleSummary
    const run = s.runs[0]!
    expect(run.error, out).toBeUndefined()
    expect(run.procs).toBe(2)
    expect(run.submitted, out).toBe(24)
    expect(run.statuses, out).toEqual({ succeeded: 24 })
    expect(run.successRate).toBe(1)
    expect(run.duplicateCommits, out).toBe(0)
    expect(run.duplicateExecutions, out).toBe(0)
    expect(run.claimLatencyMs!.n, out).toBe(24)
    expect(run.claimLatencyMs!.p95, out).toBeGreaterThan(0)
    for (const phase of [run.idle!, run.work!]) {
      expect(phase.cpuPctPerPeer).toBeGreaterThan(0)
      expect(phase.rssMbPerPeer).toBeGreaterThan(0)
      expect(phase.bytesInPerPeerPerSec).toBeGreaterThan(0)
      expect(phase.connectionsPerPeer).toBeGreaterThan(0)
      // Every peer reaches a majority and is connected to at least half of the other 11: they all claim.
      expect(phase.withMajority, out).toBe(12)
      expect(phase.membersReachedPerPeer).toBeGreaterThan(5.5)
      expect(phase.membersReachedPerPeer).toBeLessThanOrEqual(11)
      expect(phase.processes).toHaveLength(2)
      for (const p of phase.processes) expect(p.peers).toBe(6)
    }
    expect(run.startupMs).toBeGreaterThan(0)
    expect(run.parentLoad!.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0)
    const json = /results written to (\S+)/.exec(out)?.[1]
    expect(json, out).toBeDefined()
    expect(JSON.parse(readFileSync(json!, 'utf8')).results[0].runs[0].statuses).toEqual({ succeeded: 24 })
    for (const ext of ['success.svg', 'claim-latency.svg', 'idle.svg']) expect(existsSync(json!.replace(/json$/, ext))).toBe(true)
    expect(run.pids).toHaveLength(2)
    for (const pid of run.pids!) expect(alive(pid), `worker ${pid} still running`).toBe(false)
  }, 90_000)

  it('takes its workers down with it when the bench process is killed', async () => {
    const child = bench(['--agents', '6', '--procs', '2', '--start-timeout', '60'])
    let out = ''
    child.stderr!.on('data', (b: Buffer) => { out += b.toString() })
    const pids = await new Promise<number[]>(resolve => {
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString()
        const m = /worker processes up \(pids ([\d ]+)\)/.exec(out)
        if (m !== null) resolve(m[1]!.split(' ').map(Number))
      })
    })
    expect(pids.every(alive), out).toBe(true)
    child.kill('SIGKILL')
    for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(200)
    expect(pids.filter(alive), out).toEqual([])
  }, 60_000)

  it('names the flag on bad input', async () => {
    await expect(scaleExperiment.run(['--agents', '1'], () => {})).rejects.toThrow(BenchUsageError)
    await expect(scaleExperiment.run(['--procs', 'x'], () => {})).rejects.toThrow('--procs')
    await expect(scaleExperiment.run(['--bogus'], () => {})).rejects.toThrow('--bogus')
  })
})
