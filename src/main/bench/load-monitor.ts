// How loaded the testbed itself was during a run (issue 6: a figure hurt by an overloaded machine
// must be recognisable as such): event-loop delay of this process and its CPU, % of one core.
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface LoadReport {
  eventLoopDelayMs: { p50: number, p99: number, max: number }
  /** This process's CPU (user + system) over the run, % of one core. */
  cpuPct: number
  /** Highest 1-minute load average of the machine seen (other processes share the 2 cores). */
  maxLoadAvg: number
}

export interface LoadMonitor { stop: () => LoadReport }

export function startLoadMonitor (): LoadMonitor {
  const delay = monitorEventLoopDelay({ resolution: 20 })
  delay.enable()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let maxLoad = loadavg()[0]!
  const sampler = setInterval(() => { maxLoad = Math.max(maxLoad, loadavg()[0]!) }, 1000)
  sampler.unref()
  return {
    stop: () => {
      delay.disable()
      clearInterval(sampler)
      const used = process.cpuUsage(cpu0)
      const ms = (ns: number): number => Math.round(ns / 1e6)
      return {
        eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        cpuPct: Math.round((used.user + used.system) / 1000 / Math.max(1, performance.now() - t0) * 1000) / 10,
        maxLoadAvg: Math.round(maxLoad * 100) / 100
      }
    }
  }
}
