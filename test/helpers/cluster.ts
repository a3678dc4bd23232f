// Starts N real peers on 127.0.0.1 in this process, each with its own temp data dir, sharing one
// organisation key, connected through peer 0 (mDNS off so parallel test files stay apart).
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, freemem, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createOrgKeyFile } from '../../src/main/p2p/index.js'
import { createPeer, type Peer, type PeerConfig } from '../../src/main/peer/index.js'
import { StaticSampler } from '../../src/main/resources/index.js'
import { isTerminal, type TaskView } from '../../src/shared/index.js'

/**
 * This machine's size with a quiet CPU: the load of other test files and of dockerd must not decide
 * tests about leases and placement. Tests about the owner's load set it on their own sampler.
 */
export const quietSampler = (): StaticSampler => new StaticSampler({
  cores: availableParallelism(), cpuBusyPct: 0, ownCpuPct: 0, availableMemMb: Math.floor(freemem() / 2 ** 20), totalMemMb: Math.floor(totalmem() / 2 ** 20)
})

export interface Cluster {
  peers: Peer[]
  orgKeyFile: string
  root: string
  add: (overrides?: Partial<PeerConfig>) => Promise<Peer>
  stop: () => Promise<void>
}

export async function startCluster (n: number, overrides: (i: number) => Partial<PeerConfig> = () => ({})): Promise<Cluster> {
  const root = await mkdtemp(join(tmpdir(), 'mcloud-cluster-'))
  const orgKeyFile = join(root, 'org.key')
  await createOrgKeyFile(orgKeyFile)
  const peers: Peer[] = []
  const add = async (o: Partial<PeerConfig> = {}): Promise<Peer> => {
    const i = peers.length
    const first = peers[0]
    const bootstrap = first === undefined ? [] : [first.node.getMultiaddrs()[0]!.toString()]
    const peer = await createPeer({
      dataDir: join(root, `peer-${i}`), name: `peer-${i}`, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, orgKeyFile,
      mdns: false, apiPort: null, leaseTtlMs: 3000, sampler: quietSampler(), ...o
    })
    peers.push(peer)
    // Connect to a few earlier peers directly so the DHT has a mesh from the start.
    for (const other of peers.slice(Math.max(0, i - 3), i)) {
      await peer.node.dial(other.node.getMultiaddrs()[0]!).catch(() => {})
    }
    return peer
  }
  for (let i = 0; i < n; i++) await add(overrides(i))
  // The DHT is usable once every routing table knows a few peers (identify has run).
  const want = Math.min(n - 1, 3)
  await waitFor('routing tables to fill', () => peers.every(p => (p.node.services.dht as any).routingTable.size >= want), 20_000)
  return {
    peers, orgKeyFile, root, add,
    stop: async () => {
      await Promise.all(peers.map(async p => { await p.stop().catch(() => {}) }))
      await rm(root, { recursive: true, force: true })
    }
  }
}

export async function waitFor<T> (what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

/** Waits until `peer` sees the task terminal (succeeded, failed, cancelled…), polling every `everyMs`; its view then. */
export async function waitForEnd (peer: Peer, taskId: string, timeoutMs = 30_000, everyMs = 50): Promise<TaskView> {
  return await waitFor('the task to end', async () => {
    const t = await peer.getTask(taskId)
    return isTerminal(t.status) ? t : undefined
  }, timeoutMs, everyMs)
}
