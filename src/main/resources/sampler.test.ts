import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StaticSampler, SystemSampler, type LoadReading, type SystemProbe } from './sampler.js'

const GIB = 1024 ** 3

/** A probe whose every currentLoad() covers `windowMs` of wall time and `ownMs` of this process's CPU. */
function scriptedProbe (cores = 2): SystemProbe & { busy: number | Error, windowMs: number, ownMs: number, firstWindowMs?: number, loadCalls: number, t: number } {
  let cpuMicros = 0
  const probe = {
    busy: 0 as number | Error,
    windowMs: 2000,
    ownMs: 0,
    firstWindowMs: undefined as number | undefined,
    loadCalls: 0,
    t: 0,
    async currentLoad (): Promise<LoadReading> {
      probe.loadCalls++
      if (probe.busy instanceof Error) throw probe.busy
      const windowMs = probe.loadCalls === 1 && probe.firstWindowMs !== undefined ? probe.firstWindowMs : probe.windowMs
      probe.t += probe.windowMs
      cpuMicros += probe.ownMs * 1000
      const ticks = windowMs * cores
      return { currentLoad: probe.busy, rawCurrentLoad: ticks * probe.busy / 100, rawCurrentLoadIdle: ticks * (1 - probe.busy / 100), cpus: new Array(cores).fill({}) }
    },
    mem: async () => ({ available: 6 * GIB, total: 16 * GIB }),
    cpuUsage: () => ({ user: cpuMicros, system: 0 }),
    now: () => probe.t,
    cores: () => cores
  }
  return probe
}

afterEach(() => { vi.useRealTimers() })

describe('SystemSampler (scripted probe)', () => {
  it('takes a first sample before start() resolves', async () => {
    const probe = scriptedProbe()
    probe.busy = 40
    probe.ownMs = 1000 // 1 s of CPU over 2 s on 2 cores
    const sampler = new SystemSampler({ intervalMs: 1000 }, probe)
    await sampler.start()
    sampler.stop()
    expect(sampler.latest()).toEqual({ at: 2000, cores: 2, cpuBusyPct: 40, ownCpuPct: 25, availableMemMb: 6144, totalMemMb: 16384 })
  })

  it('smooths CPU so one spike moves it only a quarter of the way', async () => {
    vi.useFakeTimers()
    const probe = scriptedProbe()
    probe.busy = 20
    const sampler = new SystemSampler({ intervalMs: 1000 }, probe)
    await sampler.start()
    probe.busy = 100
    await vi.advanceTimersByTimeAsync(1000)
    expect(sampler.latest().cpuBusyPct).toBe(40)
    probe.busy = 20
    await vi.advanceTimersByTimeAsync(1000)
    expect(sampler.latest().cpuBusyPct).toBe(35)
    sampler.stop()
  })

  it('keeps the last good sample when one fails, and keeps sampling', async () => {
    vi.useFakeTimers()
    const probe = scriptedProbe()
    const errors: unknown[] = []
    probe.busy = 30
    const sampler = new SystemSampler({ intervalMs: 1000, onError: (err) => errors.push(err) }, probe)
    await sampler.start()
    const good = sampler.latest()
    probe.busy = new Error('cannot read /proc/stat')
    await vi.advanceTimersByTimeAsync(1000)
    expect(sampler.latest()).toEqual(good)
    expect(errors).toHaveLength(1)
    probe.busy = 30
    await vi.advanceTimersByTimeAsync(1000)
    expect(sampler.latest().at).toBeGreaterThan(good.at)
    sampler.stop()
  })

  it('lends nothing until a first sample succeeds, and still starts', async () => {
    const probe = scriptedProbe()
    probe.busy = new Error('no systeminformation here')
    const sampler = new SystemSampler({ intervalMs: 60_000, onError: () => {} }, probe)
    expect(sampler.latest()).toMatchObject({ cpuBusyPct: 100, availableMemMb: 0 })
    await sampler.start()
    sampler.stop()
    expect(sampler.latest()).toMatchObject({ cores: 2, cpuBusyPct: 100, availableMemMb: 0 })
  })

  it('measures again when the first reading averages over a long past (since boot)', async () => {
    vi.useFakeTimers()
    const probe = scriptedProbe()
    probe.busy = 3
    probe.firstWindowMs = 3 * 24 * 3600_000
    const sampler = new SystemSampler({ intervalMs: 1000 }, probe)
    const started = sampler.start()
    await vi.advanceTimersByTimeAsync(300)
    await started
    expect(probe.loadCalls).toBe(2)
    sampler.stop()
  })

  it('samples on its interval and stops for good; start() twice runs one loop', async () => {
    vi.useFakeTimers()
    const probe = scriptedProbe()
    const sampler = new SystemSampler({ intervalMs: 1000 }, probe)
    await Promise.all([sampler.start(), sampler.start()])
    await vi.advanceTimersByTimeAsync(3000)
    expect(probe.loadCalls).toBe(4)
    sampler.stop()
    sampler.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(probe.loadCalls).toBe(4)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('StaticSampler', () => {
  it('reports the values it is given', async () => {
    const sampler = new StaticSampler({ cores: 8 })
    await sampler.start()
    sampler.set({ cpuBusyPct: 55 })
    expect(sampler.latest()).toMatchObject({ cores: 8, cpuBusyPct: 55, ownCpuPct: 0, availableMemMb: 8192, totalMemMb: 16384 })
    sampler.stop()
  })
})

describe('SystemSampler (this machine)', () => {
  it('reports sane values and keeps sampling', async () => {
    const sampler = new SystemSampler({ intervalMs: 100 })
    await sampler.start()
    const first = sampler.latest()
    expect(first.cores).toBeGreaterThanOrEqual(1)
    for (const pct of [first.cpuBusyPct, first.ownCpuPct]) {
      expect(pct).toBeGreaterThanOrEqual(0)
      expect(pct).toBeLessThanOrEqual(100)
    }
    expect(first.availableMemMb).toBeGreaterThan(0)
    expect(first.totalMemMb).toBeGreaterThanOrEqual(first.availableMemMb)
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(sampler.latest().at).toBeGreaterThan(first.at)
    sampler.stop()
  })

  it('leaves no timer after stop(): a process that used it exits by itself', async () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url))
    const script = `
      import { SystemSampler } from ${JSON.stringify(entry)}
      const sampler = new SystemSampler({ intervalMs: 50 })
      await sampler.start()
      await new Promise(resolve => setTimeout(resolve, 200))
      sampler.stop()
      console.log(JSON.stringify(sampler.latest()))`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    clearTimeout(killer)
    expect(code).toBe(0)
    expect(JSON.parse(out).cores).toBeGreaterThanOrEqual(1)
  }, 30_000)
})
