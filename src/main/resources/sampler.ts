// What this machine has and uses now: the facts the capacity math and the sharing policy stand on.
import { availableParallelism, cpus } from 'node:os'
import { mem } from 'systeminformation'
import { CPU_SMOOTHING_ALPHA, FIRST_WINDOW_MS, MAX_FIRST_WINDOW_MS, SAMPLE_INTERVAL_MS } from './constants.js'

export interface ResourceSample {
  /** When it was taken, performance.now() ms. */
  at: number
  /** Cores this process may use (os.availableParallelism()). */
  cores: number
  /** Whole machine CPU busy, 0–100 (smoothed). */
  cpuBusyPct: number
  /** This Node process's CPU as a share of the whole machine, 0–100 (smoothed). */
  ownCpuPct: number
  availableMemMb: number
  totalMemMb: number
}

export interface Sampler {
  /** The newest sample; before the first one, a sample that lends nothing (see NOTHING_KNOWN). */
  latest: () => ResourceSample
  /** Takes a first sample, then keeps sampling; safe to call twice. */
  start: () => Promise<void>
  /** Stops sampling; no timer is left behind. Safe to call twice. */
  stop: () => void
}

/** The part of systeminformation's currentLoad() the sampler reads. */
export interface LoadReading {
  currentLoad: number
  /** CPU ticks (ms) spent busy and idle over the window, all cores together. */
  rawCurrentLoad: number
  rawCurrentLoadIdle: number
  cpus: readonly unknown[]
}

/** What SystemSampler reads from the system; the real one by default, scripted in tests. */
export interface SystemProbe {
  currentLoad: () => Promise<LoadReading>
  /** Bytes. */
  mem: () => Promise<{ available: number, total: number }>
  /** process.cpuUsage(): this process's user + system CPU, µs. */
  cpuUsage: () => { user: number, system: number }
  /** Monotonic ms. */
  now: () => number
  cores: () => number
}

/**
 * Machine CPU load from os.cpus() tick deltas since the previous call. systeminformation's
 * currentLoad() gives the same figure but on Linux runs `cat /proc/stat` synchronously, which
 * measured 22–55 ms of blocked event loop per sample (heartbeats and DHT replies wait); memory
 * still comes from systeminformation, which reads /proc/meminfo asynchronously.
 */
function cpuTicks (): { busy: number, idle: number, count: number } {
  let busy = 0
  let idle = 0
  const list = cpus()
  for (const c of list) {
    busy += c.times.user + c.times.nice + c.times.sys + c.times.irq
    idle += c.times.idle
  }
  return { busy, idle, count: list.length }
}

/** Load since this probe's previous reading (each sampler has its own window). */
function osLoadReader (): () => Promise<LoadReading> {
  let last = cpuTicks()
  let lastAt = performance.now()
  return async () => {
    // A first call right after start would cover a few µs: wait a moment for a real window.
    if (performance.now() - lastAt < 200) await new Promise(resolve => setTimeout(resolve, 250))
    const now = cpuTicks()
    const busy = Math.max(0, now.busy - last.busy)
    const idle = Math.max(0, now.idle - last.idle)
    last = now
    lastAt = performance.now()
    return { currentLoad: busy + idle === 0 ? 0 : 100 * busy / (busy + idle), rawCurrentLoad: busy, rawCurrentLoadIdle: idle, cpus: new Array(now.count) }
  }
}

/** The real system, with its own CPU window. */
export function createSystemProbe (): SystemProbe {
  return {
    currentLoad: osLoadReader(),
    mem,
    cpuUsage: () => process.cpuUsage(),
    now: () => performance.now(),
    cores: () => availableParallelism()
  }
}

export interface SystemSamplerInit {
  /** Time between samples. Default 2000 ms. */
  intervalMs?: number
  /** EWMA weight of the newest CPU reading, 0 < alpha ≤ 1. Default 0.5. */
  alpha?: number
  /** Told about a failed sample (the last good sample stays). Default: ignore. */
  onError?: (err: unknown) => void
}

const MIB = 1024 * 1024

const clampPct = (x: number): number => Math.min(100, Math.max(0, x))

/** Until the first sample: the machine looks fully busy with no memory free, so nothing is lent. */
function nothingKnown (cores: number, at: number): ResourceSample {
  return { at, cores, cpuBusyPct: 100, ownCpuPct: 0, availableMemMb: 0, totalMemMb: 0 }
}

/** Wall time a currentLoad() reading averages over: all ticks of the window spread over its cores. */
function windowMs (load: LoadReading): number {
  return (load.rawCurrentLoad + load.rawCurrentLoadIdle) / Math.max(1, load.cpus.length)
}

const delay = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export class SystemSampler implements Sampler {
  private readonly intervalMs: number
  private readonly alpha: number
  private readonly onError: (err: unknown) => void
  private sample: ResourceSample | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private starting: Promise<void> | undefined
  /** Bumped by start() and stop(), so a sample still in flight from an old run schedules nothing. */
  private generation = 0
  /** This process's CPU time and the clock at the previous reading: own CPU is their delta. */
  private ownBase: { cpuMicros: number, at: number } | undefined

  constructor (init: SystemSamplerInit = {}, private readonly probe: SystemProbe = createSystemProbe()) {
    this.intervalMs = init.intervalMs ?? SAMPLE_INTERVAL_MS
    this.alpha = init.alpha ?? CPU_SMOOTHING_ALPHA
    this.onError = init.onError ?? (() => {})
  }

  latest (): ResourceSample {
    return this.sample ?? nothingKnown(this.probe.cores(), this.probe.now())
  }

  async start (): Promise<void> {
    if (this.starting !== undefined) return await this.starting
    const generation = ++this.generation
    this.starting = (async () => {
      this.markOwnBase()
      try {
        await this.takeSample(true)
      } catch (err) {
        // A peer that cannot sample still starts; it lends nothing until a sample succeeds.
        this.onError(err)
      }
      this.schedule(generation)
    })()
    await this.starting
  }

  stop (): void {
    this.generation++
    this.starting = undefined
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (generation: number): void {
    if (generation !== this.generation) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.takeSample(false)
        .catch(err => { this.onError(err) })
        .finally(() => { this.schedule(generation) })
    }, this.intervalMs)
  }

  private markOwnBase (): void {
    const { user, system } = this.probe.cpuUsage()
    this.ownBase = { cpuMicros: user + system, at: this.probe.now() }
  }

  /** This process's CPU since the previous reading, as a share of the whole machine. */
  private readOwnCpuPct (cores: number): number | undefined {
    const base = this.ownBase
    this.markOwnBase()
    const now = this.ownBase!
    if (base === undefined || now.at <= base.at) return undefined
    return clampPct((now.cpuMicros - base.cpuMicros) / 1000 / ((now.at - base.at) * cores) * 100)
  }

  private async takeSample (first: boolean): Promise<void> {
    const [firstLoad, memory] = await Promise.all([this.probe.currentLoad(), this.probe.mem()])
    let load = firstLoad
    if (first && windowMs(load) > MAX_FIRST_WINDOW_MS) {
      // systeminformation keeps one set of counters per process: a first reading may average since
      // boot (older versions) or since another module last asked; a stale seed would skew the EWMA.
      this.markOwnBase()
      await delay(FIRST_WINDOW_MS)
      load = await this.probe.currentLoad()
    }
    const cores = Math.max(1, this.probe.cores())
    const ownPct = this.readOwnCpuPct(cores)
    const busyPct = clampPct(load.currentLoad)
    if (!Number.isFinite(busyPct) || !Number.isFinite(memory.available) || !Number.isFinite(memory.total)) {
      throw new Error('systeminformation returned a reading that is not a number')
    }
    const prev = this.sample
    this.sample = {
      at: this.probe.now(),
      cores,
      cpuBusyPct: this.smooth(busyPct, prev?.cpuBusyPct),
      ownCpuPct: ownPct === undefined ? (prev?.ownCpuPct ?? 0) : this.smooth(ownPct, prev?.ownCpuPct),
      // Memory is a level, not a rate: not smoothed, so a drop in free memory counts at once.
      availableMemMb: Math.floor(memory.available / MIB),
      totalMemMb: Math.floor(memory.total / MIB)
    }
  }

  private smooth (value: number, prev: number | undefined): number {
    return prev === undefined ? value : this.alpha * value + (1 - this.alpha) * prev
  }
}

export type StaticSampleValues = Omit<ResourceSample, 'at'>

/** A sampler whose values the caller sets: for tests and benches that must not depend on the host. */
export class StaticSampler implements Sampler {
  private values: StaticSampleValues

  constructor (values: Partial<StaticSampleValues> = {}) {
    this.values = { cores: 4, cpuBusyPct: 0, ownCpuPct: 0, availableMemMb: 8192, totalMemMb: 16384, ...values }
  }

  set (values: Partial<StaticSampleValues>): void {
    this.values = { ...this.values, ...values }
  }

  latest (): ResourceSample {
    return { at: performance.now(), ...this.values }
  }

  async start (): Promise<void> {}

  stop (): void {}
}
