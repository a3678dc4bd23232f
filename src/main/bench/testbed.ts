// A testbed of many real peers in this process on 127.0.0.1: one organisation key, temp data dirs,
// bootstrap through peer 0, started in bounded batches (DESIGN.md: 2 cores cannot take 50 dials at
// once). Also the fault every experiment injects: an abrupt kill.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConnectionGater } from '@libp2p/interface'
import type { Executor } from '../executor/index.js'
import { createOrgKeyFile } from '../p2p/index.js'
import { createPeer, type Peer } from '../peer/index.js'
import { StaticSampler } from '../resources/index.js'

export interface TestbedInit {
  peers: number
  /** Lease time-to-live of every peer. */
  ttlMs: number
  /** Tasks each provider runs at once. */
  slots: number
  /** The executor of peer i (undefined: the peer only submits and observes). */
  executorFor: (i: number) => Executor | undefined
  /** Peers started concurrently. Default 10. */
  batchSize?: number
  /**
   * Whether every provider samples this machine's real load (Docker runs). Default false: the
   * peers of a control-plane run share one process and their simulated tasks use no CPU, so each
   * sees a quiet machine of `slots` cores and 4 GiB per slot, and the measured load of the others
   * cannot throttle it.
   */
  realLoad?: boolean
  /** Direct dials to earlier peers besides the bootstrap, so the DHT has a mesh from the start. Default 3. */
  dialEarlier?: number
  /** How long routing tables may take to fill. Default 60 s. */
  readyTimeoutMs?: number
  /** The connection gater of peer i (bench partition cuts the network with it). Default none. */
  gaterFor?: (i: number) => ConnectionGater | undefined
}

export interface Testbed {
  peers: Peer[]
  /** The organisation key every peer uses: a peer started outside the testbed (another process) joins with it. */
  orgKeyFile: string
  /** Peers whose routing table still held fewer than 3 peers when the start-up wait gave up. */
  shortOfPeers: number
  /** Abrupt death: nothing the peer does after this moment reaches anyone. */
  kill: (peer: Peer) => Promise<void>
  /** Graceful stop of every peer (killed ones included, to clear their timers), then the temp dir. */
  stop: () => Promise<void>
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Polls `fn` until it returns something other than undefined/false, or the deadline passes (then undefined). */
export async function waitUntil<T> (fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (performance.now() > deadline) return undefined
    await sleep(everyMs)
  }
}

/** Peers in this peer's kad-dht routing table. */
export const routingTableSize = (p: Peer): number =>
  (p.node.services.dht as unknown as { routingTable: { size: number } }).routingTable.size

/** `n` of `items` picked at random (a shuffled copy's head). */
export function sample<T> (items: T[], n: number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, n)
}

export async function startTestbed (init: TestbedInit): Promise<Testbed> {
  const root = await mkdtemp(join(tmpdir(), 'mcloud-bench-'))
  const orgKeyFile = join(root, 'org.key')
  await createOrgKeyFile(orgKeyFile)
  const peers: Peer[] = []
  const batchSize = init.batchSize ?? 10
  const dialEarlier = init.dialEarlier ?? 3
  let shortOfPeers: number

  const startOne = async (i: number, earlier: Peer[]): Promise<Peer> => {
    const first = earlier[0]
    const peer = await createPeer({
      dataDir: join(root, `peer-${i}`), name: `bench-${i}`, listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile,
      bootstrap: first === undefined ? [] : [first.node.getMultiaddrs()[0]!.toString()],
      mdns: false, apiPort: null, leaseTtlMs: init.ttlMs, executor: init.executorFor(i), slots: init.slots,
      sampler: init.realLoad === true ? undefined : new StaticSampler({ cores: init.slots, availableMemMb: init.slots * 1024 * 4, totalMemMb: init.slots * 1024 * 8 }),
      connectionGater: init.gaterFor?.(i)
    })
    await Promise.all(sample(earlier.slice(1), dialEarlier).map(async other => {
      await peer.node.dial(other.node.getMultiaddrs()[0]!).catch(() => {})
    }))
    return peer
  }

  const stopAll = async (): Promise<void> => {
    await Promise.all(peers.map(async p => { await p.stop().catch(() => {}) }))
    await rm(root, { recursive: true, force: true })
  }

  try {
    peers.push(await startOne(0, []))
    for (let from = 1; from < init.peers; from += batchSize) {
      const earlier = [...peers]
      const indexes = Array.from({ length: Math.min(batchSize, init.peers - from) }, (_, k) => from + k)
      const started = await Promise.allSettled(indexes.map(async i => await startOne(i, earlier)))
      for (const s of started) if (s.status === 'fulfilled') peers.push(s.value)
      const failed = started.find(s => s.status === 'rejected')
      if (failed !== undefined) throw failed.reason
    }
    // The DHT is usable once every routing table knows a few peers (identify has run on them).
    // Under load identify can time out, so a peer still short of peers dials a few more.
    const want = Math.min(init.peers - 1, 3)
    let lastRepair = performance.now()
    const ready = await waitUntil(async () => {
      const short = peers.filter(p => routingTableSize(p) < want)
      if (short.length === 0) return true
      if (performance.now() - lastRepair > 5000) {
        lastRepair = performance.now()
        await Promise.all(short.map(async p => {
          await Promise.all(sample(peers.filter(o => o !== p), dialEarlier).map(async o => { await p.node.dial(o.node.getMultiaddrs()[0]!).catch(() => {}) }))
        }))
      }
      return false
    }, init.readyTimeoutMs ?? 60_000, 250)
    shortOfPeers = peers.filter(p => routingTableSize(p) < want).length
    // Connected peers missing from a routing table (identify timed out under load) only make
    // lookups longer; a peer whose routing table is empty cannot take part at all.
    if (ready === undefined && peers.some(p => routingTableSize(p) === 0)) {
      const short = peers.filter(p => routingTableSize(p) < want)
      const detail = short.slice(0, 5).map(p => `rt ${routingTableSize(p)}/conns ${p.node.getConnections().length}`).join(', ')
      throw new Error(`testbed: ${short.length} of ${peers.length} peers still have fewer than ${want} peers in their routing table (${detail})`)
    }
  } catch (err) {
    await stopAll()
    throw err
  }

  return {
    peers,
    orgKeyFile,
    shortOfPeers,
    kill: async (peer) => {
      // Transports first: the peer's heartbeats, commits and hand-backs from here on reach nobody,
      // exactly as if the process had died. Its scheduler is then stopped only so the zombie does
      // not keep claiming tasks in its now-private view (its "release" writes go nowhere).
      await Promise.resolve().then(async () => { await peer.node.stop() }).catch(() => {})
      await peer.scheduler.stop().catch(() => {})
    },
    stop: stopAll
  }
}
