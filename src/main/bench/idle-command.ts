// `bench idle`: what an idle peer costs (issue 6: 500 peers on 2 cores needs a measured idle cost
// per peer). N real peers in this process, started and settled, then nothing to do for --measure
// seconds: CPU of the process per peer (% of one core), resident memory per peer, event-loop delay
// and open connections. (Control-plane bytes and messages per peer are not counted yet.)
import { intListFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { describeLoad, MachineLoad, type TestbedLoad } from './machine-load.js'
import { startTestbed } from './testbed.js'

const OPTIONS = {
  peers: { type: 'string' },
  settle: { type: 'string' },
  measure: { type: 'string' }
} as const

const USAGE = `bench idle [flags]   what N idle peers in one process cost, per peer
  --peers LIST       peer counts to run, comma list (default 10,50)
  --settle SECONDS   wait after start-up before measuring (default 20)
  --measure SECONDS  length of the idle measurement (default 60)`

export interface IdleSummary {
  experiment: 'idle'
  peers: number
  startupMs: number
  settleSec: number
  measureSec: number
  /** This process's CPU while idle, % of one core, in total and per peer. */
  cpuPct: number
  cpuPctPerPeer: number
  /** Resident memory of the process after settling, and its growth per peer over the empty process. */
  rssMb: number
  rssMbPerPeer: number
  heapUsedMb: number
  /** Open connections per peer at the end (each costs pings, identify, gossip heartbeats). */
  connectionsPerPeer: number
  load: TestbedLoad
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024 * 10) / 10
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

export async function runIdle (o: { peers: number, settleSec: number, measureSec: number }, log: (line: string) => void): Promise<IdleSummary> {
  const rss0 = process.memoryUsage().rss
  const t0 = performance.now()
  // Idle peers: no executor (nothing to run), so the cost measured is the peer's own machinery:
  // DHT, gossipsub, identify, ping, node-meta heartbeats, timers.
  const bed = await startTestbed({ peers: o.peers, ttlMs: 10_000, slots: 1, executorFor: () => undefined, readyTimeoutMs: 120_000 })
  const startupMs = Math.round(performance.now() - t0)
  try {
    log(`  ${o.peers} peers up in ${(startupMs / 1000).toFixed(1)} s (${bed.shortOfPeers} short of peers); settling ${o.settleSec} s …`)
    await sleep(o.settleSec * 1000)
    const rss = process.memoryUsage()
    const machine = new MachineLoad()
    await sleep(o.measureSec * 1000)
    const load = machine.stop()
    const connections = bed.peers.reduce((n, p) => n + p.node.getConnections().length, 0)
    return {
      experiment: 'idle',
      peers: o.peers,
      startupMs,
      settleSec: o.settleSec,
      measureSec: o.measureSec,
      cpuPct: load.processCpuPct,
      cpuPctPerPeer: Math.round(load.processCpuPct / o.peers * 100) / 100,
      rssMb: mb(rss.rss),
      rssMbPerPeer: Math.round((rss.rss - rss0) / o.peers / 1024 / 1024 * 100) / 100,
      heapUsedMb: mb(rss.heapUsed),
      connectionsPerPeer: Math.round(connections / o.peers * 10) / 10,
      load
    }
  } finally {
    await bed.stop()
  }
}

export function describeIdle (s: IdleSummary): string[] {
  return [
    `== idle: ${s.peers} peers in one process, no executor, measured ${s.measureSec} s after ${s.settleSec} s of settling`,
    `   start-up           ${(s.startupMs / 1000).toFixed(1)} s`,
    `   CPU                ${s.cpuPct}% of a core in total, ${s.cpuPctPerPeer}% per peer`,
    `   memory             RSS ${s.rssMb} MiB (${s.rssMbPerPeer} MiB per peer over the empty process), JS heap ${s.heapUsedMb} MiB`,
    `   connections        ${s.connectionsPerPeer} per peer`,
    `   ${describeLoad(s.load)}`
  ]
}

export const idleExperiment: Experiment = {
  name: 'idle',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('idle', argv, OPTIONS)
    const sizes = intListFlag('idle', 'peers', v.peers, [10, 50], 2)
    const settleSec = numberFlag('idle', 'settle', v.settle, 20)
    const measureSec = numberFlag('idle', 'measure', v.measure, 60)
    const out: IdleSummary[] = []
    for (const peers of sizes) {
      print(`idle: starting ${peers} peers …`)
      const s = await runIdle({ peers, settleSec, measureSec }, print)
      for (const line of describeIdle(s)) print(line)
      out.push(s)
    }
    return out
  }
}
