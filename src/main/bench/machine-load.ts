// How loaded the testbed itself was during a run (issue 6: every run reports it), so a
// figure hurt by an overloaded machine is recognisable as such: this process's event-loop delay and
// CPU use, the whole machine's CPU busy share (dockerd and the containers included), and the
// highest 1-minute load average seen.
import { cpus, loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface TestbedLoad {
  /** This process's event-loop delay: high values mean every time measured here is stretched. */
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** CPU this process (every in-process peer) used over the run, in % of one core (200 = two cores flat out). */
  processCpuPct: number
  /** All cores' busy share over the run (every process: peers, dockerd, containers, other work), 0–100. */
  machineCpuPct: number
  /** Highest 1-minute load average seen (the machine has `cores` cores). */
  maxLoadAvg: number
  cores: number
}

const SAMPLE_MS = 1000

/** The machine's CPU time so far, all cores: busy and in total (ms). */
export function cpuTimes (): { busy: number, total: number } {
  let busy = 0
  let total = 0
  for (const c of cpus()) {
    const t = c.times
    const all = t.user + t.nice + t.sys + t.idle + t.irq
    total += all
    busy += all - t.idle
  }
  return { busy, total }
}

/** Started at the beginning of the measured part of a run; `stop()` gives the figures. */
export class MachineLoad {
  private readonly loop = monitorEventLoopDelay({ resolution: 20 })
  private readonly cpu0 = process.cpuUsage()
  private readonly machine0 = cpuTimes()
  private readonly t0 = performance.now()
  private maxLoad = loadavg()[0]!
  private readonly timer: NodeJS.Timeout

  constructor () {
    this.loop.enable()
    this.timer = setInterval(() => { this.maxLoad = Math.max(this.maxLoad, loadavg()[0]!) }, SAMPLE_MS)
    this.timer.unref()
  }

  stop (): TestbedLoad {
    clearInterval(this.timer)
    this.loop.disable()
    this.maxLoad = Math.max(this.maxLoad, loadavg()[0]!)
    const used = process.cpuUsage(this.cpu0)
    const wallMs = Math.max(1, performance.now() - this.t0)
    const m = cpuTimes()
    const total = m.total - this.machine0.total
    const ms = (ns: number): number => Math.round(ns / 1e6)
    return {
      eventLoopDelayMs: { p50: ms(this.loop.percentile(50)), p99: ms(this.loop.percentile(99)), max: ms(this.loop.max) },
      processCpuPct: Math.round((used.user + used.system) / 1000 / wallMs * 100),
      machineCpuPct: total <= 0 ? 0 : Math.round((m.busy - this.machine0.busy) / total * 100),
      maxLoadAvg: Math.round(this.maxLoad * 100) / 100,
      cores: cpus().length
    }
  }
}

export function describeLoad (l: TestbedLoad): string {
  return `testbed load: event-loop delay p50 ${l.eventLoopDelayMs.p50} ms p99 ${l.eventLoopDelayMs.p99} ms max ${l.eventLoopDelayMs.max} ms; ` +
    `this process ${l.processCpuPct}% of a core; machine ${l.machineCpuPct}% busy (${l.cores} cores), load average max ${l.maxLoadAvg}`
}
