// What `bench flood` measures while a peer is under load: the latency of its local API as a user's
// UI sees it (GET /api/status and GET /api/tasks with the bearer token, on a fixed tick), and its
// memory over time (samples its process sends, see flood-peer.ts).
import { distribution, type Distribution } from './stats.js'

/** One timed request; a failure or a timeout counts with the time it took (never dropped). */
interface Probe { route: 'status' | 'tasks', at: number, ms: number, ok: boolean }

export interface ApiLatency {
  status: Distribution
  tasks: Distribution
  /** Requests that failed or timed out (included in the distributions with their elapsed time). */
  errors: number
  /** Ticks skipped because too many probes of a route were still waiting: a stalled API. */
  skipped: number
}

export interface MemorySample { at: number, rss: number, heapUsed: number, external: number, loopDelayMs: number }

export interface MemoryTrace {
  /** MiB at the start of the window, the highest seen in it, and at its end. */
  rssMb: { start: number, max: number, end: number }
  /** JS heap used + external (Buffers), MiB. */
  heapMb: { start: number, max: number, end: number }
  /** The measured peer's event-loop delay: the worst per sample interval, its p95 and max over the window. */
  peerLoopDelayMs: { p95: number, max: number }
  /** [seconds into the window, RSS MiB, heap used MiB], at most MAX_POINTS of them. */
  points: Array<[number, number, number]>
}

const PROBE_TIMEOUT_MS = 10_000
/** More probes of one route in flight than this: the tick is counted as skipped, not piled on. */
const MAX_IN_FLIGHT = 20
const MAX_POINTS = 120
const ROUTES = { status: '/api/status', tasks: '/api/tasks' } as const

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20 * 10) / 10

/**
 * Fires both GETs every `everyMs` whatever the previous ones are doing, so a stall shows as many
 * slow samples rather than one (a client that waits for its answer would hide it).
 */
export class ApiProbe {
  private readonly probes: Probe[] = []
  private readonly inFlight = { status: 0, tasks: 0 }
  private skipped: Array<{ at: number }> = []
  private readonly timer: NodeJS.Timeout

  constructor (url: string, token: string, everyMs: number) {
    const headers = { Authorization: `Bearer ${token}` }
    const fire = (route: Probe['route']): void => {
      const at = performance.now()
      if (this.inFlight[route] >= MAX_IN_FLIGHT) { this.skipped.push({ at }); return }
      this.inFlight[route]++
      fetch(url + ROUTES[route], { headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
        .then(async res => { await res.arrayBuffer(); return res.ok }, () => false)
        .then(ok => {
          this.inFlight[route]--
          this.probes.push({ route, at, ms: performance.now() - at, ok })
        }, () => {})
    }
    this.timer = setInterval(() => { fire('status'); fire('tasks') }, everyMs)
  }

  /** Latency of the probes started in [from, to) (performance.now() times). */
  latency (from: number, to: number): ApiLatency {
    const inWindow = this.probes.filter(p => p.at >= from && p.at < to)
    const of = (route: Probe['route']): number[] => inWindow.filter(p => p.route === route).map(p => p.ms)
    return {
      status: distribution(of('status')),
      tasks: distribution(of('tasks')),
      errors: inWindow.filter(p => !p.ok).length,
      skipped: this.skipped.filter(s => s.at >= from && s.at < to).length
    }
  }

  /** Stops firing and waits (bounded) for the probes still out. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    const deadline = performance.now() + PROBE_TIMEOUT_MS + 1000
    while (this.inFlight.status + this.inFlight.tasks > 0 && performance.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** The memory samples taken in [from, to) (Date.now() times), summed up and thinned for the JSON. */
export function memoryTrace (samples: MemorySample[], from: number, to: number): MemoryTrace {
  const s = samples.filter(m => m.at >= from && m.at < to)
  if (s.length === 0) return { rssMb: { start: 0, max: 0, end: 0 }, heapMb: { start: 0, max: 0, end: 0 }, peerLoopDelayMs: { p95: 0, max: 0 }, points: [] }
  const delays = distribution(s.map(m => m.loopDelayMs))
  const heap = (m: MemorySample): number => m.heapUsed + m.external
  const step = Math.max(1, Math.ceil(s.length / MAX_POINTS))
  return {
    rssMb: { start: mib(s[0]!.rss), max: mib(Math.max(...s.map(m => m.rss))), end: mib(s.at(-1)!.rss) },
    heapMb: { start: mib(heap(s[0]!)), max: mib(Math.max(...s.map(heap))), end: mib(heap(s.at(-1)!)) },
    peerLoopDelayMs: { p95: delays.p95 ?? 0, max: delays.max ?? 0 },
    points: s.filter((_, i) => i % step === 0).map(m => [Math.round((m.at - from) / 100) / 10, mib(m.rss), mib(heap(m))])
  }
}
