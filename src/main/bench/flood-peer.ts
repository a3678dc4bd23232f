// One peer of `bench flood` in its own process (forked by flood.ts with the tsx loader): the
// measured peer's RSS and heap are then its own, and its API is timed from outside its event loop.
// It reports its memory over IPC and exits as soon as the parent goes away.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readApiInfo } from '../api/index.js'
import { DockerExecutor } from '../executor/docker/index.js'
import { createPeer } from '../peer/index.js'
import { StaticSampler } from '../resources/index.js'
import { FLOOD_PEER_ENV, type FloodPeerInit, type FloodPeerMessage } from './flood-protocol.js'

const send = (m: FloodPeerMessage): void => { if (process.connected) process.send!(m) }

async function main (init: FloodPeerInit): Promise<void> {
  const dataDir = join(init.root, init.name)
  const peer = await createPeer({
    dataDir, name: init.name, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: init.bootstrap, orgKeyFile: init.orgKeyFile,
    mdns: false, apiPort: init.api ? 0 : null, slots: 1,
    executor: init.dockerOwner === undefined ? undefined : new DockerExecutor({ owner: init.dockerOwner }),
    // the machine's real load (dockerd, the bench) must not decide whether the flood task is claimed
    sampler: new StaticSampler({ cores: availableParallelism(), availableMemMb: 4096, totalMemMb: 8192 })
  })
  const info = init.api ? await readApiInfo(dataDir) : undefined
  // a stalled loop is what makes the API slow: its worst delay per sample says when and how long
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  const timer = setInterval(() => {
    const m = process.memoryUsage()
    send({ type: 'memory', at: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, loopDelayMs: Math.round(loop.max / 1e6) })
    loop.reset()
  }, init.memoryEveryMs)
  const stop = async (): Promise<void> => {
    clearInterval(timer)
    await peer.stop().catch(() => {})
    process.exit(0)
  }
  process.on('disconnect', () => { void stop() })
  process.on('message', (m: { type?: string }) => { if (m.type === 'stop') void stop() })
  send({ type: 'ready', addr: peer.node.getMultiaddrs()[0]!.toString(), apiUrl: info?.url ?? null, token: info?.token ?? null })
}

main(JSON.parse(process.env[FLOOD_PEER_ENV] ?? '{}') as FloodPeerInit).catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
