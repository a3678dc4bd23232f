// Two desktops that cannot be dialled (no TCP listener, as behind NAT or on another subnet) meet
// through a reachable member acting as relay, switch to a direct WebRTC connection, and a task
// submitted on one runs on the other.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import { createOrgKeyFile } from '../../src/main/p2p/index.js'
import { createPeer, type Peer } from '../../src/main/peer/index.js'
import { waitFor } from '../helpers/cluster.js'

describe('peers behind NAT', () => {
  let root: string
  let relay: Peer, a: Peer, b: Peer
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mcloud-relay-'))
    const orgKeyFile = join(root, 'org.key')
    await createOrgKeyFile(orgKeyFile)
    const base = { orgKeyFile, mdns: false, apiPort: null, leaseTtlMs: 3000 } as const
    relay = await createPeer({ ...base, dataDir: join(root, 'relay'), name: 'relay', listen: ['/ip4/127.0.0.1/tcp/0'] })
    const bootstrap = [relay.node.getMultiaddrs()[0]!.toString()]
    a = await createPeer({ ...base, dataDir: join(root, 'a'), name: 'a', listen: ['/p2p-circuit', '/webrtc'], bootstrap })
    b = await createPeer({ ...base, dataDir: join(root, 'b'), name: 'b', listen: ['/p2p-circuit', '/webrtc'], bootstrap, executor: new SimulatedSleepExecutor() })
  })
  afterAll(async () => {
    await Promise.all([a, b, relay].map(async p => { await p?.stop() }))
    await rm(root, { recursive: true, force: true })
  })

  it('run a task across a relay and end up directly connected over WebRTC', async () => {
    expect(a.node.getMultiaddrs().every(ma => !ma.toString().includes('/tcp/') || ma.toString().includes('/p2p-circuit'))).toBe(true)
    await waitFor('b to hold a relay reservation', () => b.node.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit')), 20_000)
    await waitFor('a to hold a relay reservation', () => a.node.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit')), 20_000)
    const { taskId } = await a.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 1'] })
    const done = await waitFor('the task to succeed', async () => {
      const t = await a.getTask(taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 30_000, 200)
    expect(done.holder).toBe(b.peerId)
    const direct = await waitFor('a direct WebRTC connection between a and b', () =>
      a.node.getConnections(b.node.peerId).find(c => c.remoteAddr.toString().includes('/webrtc') && c.limits == null && c.status === 'open'), 30_000)
    expect(direct.remoteAddr.toString()).toContain('/webrtc')
    // and the output came back to the submitter over it
    const logs = await waitFor('the output to reach the submitter', async () => {
      const l = await a.taskLogs(taskId)
      return l.lines.length > 0 ? l : undefined
    }, 15_000, 200)
    expect(logs.lines[0]?.line).toContain('sleep 1')
  })
})
