// The control peer's read API over real HTTP: a control peer on PGlite watches a submitter and
// three providers run tasks, one of them re-claimed after its holder is killed; its summary,
// the job's history (with the recovery gap) and /metrics then tell the admin what happened.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_TOKEN_FILE } from '../../src/shared/api.js'
import type { ControlJobDetail, ControlSummary, JobRow } from '../../src/shared/control-api.js'
import { TOPIC_TASKS } from '../../src/shared/index.js'
import { startControlPeer, type ControlPeer } from '../../src/main/control/index.js'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { quietSampler, startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const SHORT_TASKS = 5
const TTL_MS = 3000

describe('the control read API over HTTP', () => {
  let cluster: Cluster
  let control: ControlPeer
  let token: string
  const get = async (path: string, auth = true): Promise<Response> =>
    await fetch(control.peer.apiUrl! + path, { headers: auth ? { Authorization: `Bearer ${token}` } : {} })
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path)
    expect(res.status, path).toBe(200)
    return await res.json() as T
  }

  beforeAll(async () => {
    cluster = await startCluster(4, i => ({ leaseTtlMs: TTL_MS, executor: i === 0 ? undefined : new SimulatedSleepExecutor(), slots: 2 }))
    const dataDir = join(cluster.root, 'control')
    control = await startControlPeer({
      dataDir, name: 'control', listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: 0,
      bootstrap: [cluster.peers[0]!.node.getMultiaddrs()[0]!.toString()], leaseTtlMs: TTL_MS, sampler: quietSampler(), reconcileEveryMs: 2000
    })
    token = (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
    // It sees every transition by gossip, first-hand from each member once it is connected to all
    // of them and they know it subscribed (flood publish; p2p/gossip-mesh.ts).
    await waitFor('every member to send the control peer its records', () =>
      cluster.peers.every(p => p.node.services.pubsub.getSubscribers(TOPIC_TASKS).some(id => id.toString() === control.peer.peerId)), 20_000)
  })
  afterAll(async () => {
    await control?.stop()
    await cluster?.stop()
  })

  it('reports counts, a re-claim with its gap, and Prometheus metrics', async () => {
    expect(control.peer.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const submitter = cluster.peers[0]!
    const providers = cluster.peers.slice(1)
    const ids: string[] = []
    for (let i = 0; i < SHORT_TASKS; i++) ids.push((await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', `sleep 0.${2 + i}`] })).taskId)
    await waitFor('the short tasks to succeed', async () => (await Promise.all(ids.map(async id => (await submitter.getTask(id)).status))).every(s => s === 'succeeded'), 30_000, 200)

    // A longer task whose holder dies without a goodbye: another provider re-claims it after the ttl.
    let longId = ''
    const running = new Promise<{ peer: Peer, epoch: number }>(resolve => {
      for (const peer of providers) peer.bus.on(e => { if (e.type === 'task:running' && e.taskId === longId) resolve({ peer, epoch: e.epoch }) })
    })
    longId = (await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 3'] })).taskId
    ids.push(longId)
    const first = await running
    // Let a heartbeat or two reach the control peer, then kill the holder's transports.
    await new Promise(resolve => setTimeout(resolve, 1200))
    await first.peer.node.stop()
    const done = await waitFor('the long task to succeed elsewhere', async () => {
      const t = await submitter.getTask(longId)
      return t.status === 'succeeded' ? t : undefined
    }, 30_000, 200)
    expect(done.holder).not.toBe(first.peer.peerId)

    await waitFor('the control database to hold every outcome', async () => {
      await control.mirror.flush()
      const rows = await json<JobRow[]>('/api/control/jobs?status=succeeded&limit=100')
      return rows.length === ids.length
    }, 20_000, 300)

    // Every route wants the token.
    for (const path of ['/api/control/summary', '/api/control/jobs', `/api/control/jobs/${longId}`, '/api/control/nodes', '/metrics']) {
      expect((await get(path, false)).status, path).toBe(401)
    }

    const summary = await json<ControlSummary>('/api/control/summary')
    expect(summary.tasks).toBe(ids.length)
    expect(summary.byStatus).toEqual({ succeeded: ids.length })
    expect(summary.successRate).toBe(1)
    // The four cluster peers and the control peer itself publish their meta.
    expect(summary.nodes).toBeGreaterThanOrEqual(4)
    expect(summary.nodesAlive).toBeGreaterThanOrEqual(4)
    expect(summary.recovery.count).toBeGreaterThanOrEqual(1)
    expect(summary.recovery.maxMs).toBeGreaterThan(0)
    expect(summary.database).toMatchObject({ kind: 'pglite', up: true, queued: 0, dropped: 0 })
    expect(summary.database.written).toBeGreaterThan(ids.length)

    const jobs = await json<JobRow[]>('/api/control/jobs?limit=3')
    expect(jobs).toHaveLength(3)
    expect(jobs[0]!.id).toBe(longId) // most recently updated first

    const detail = await json<ControlJobDetail>(`/api/control/jobs/${longId}`)
    expect(detail.job).toMatchObject({ id: longId, status: 'succeeded', holder: done.holder, leaseToken: done.epoch, image: 'busybox' })
    const path = detail.events.map(e => `${e.epoch}:${e.status}`)
    expect(path[0]).toBe('0:queued')
    expect(path).toContain(`${first.epoch}:leased`)
    expect(path).toContain(`${first.epoch}:running`)
    expect(path).toContain(`${done.epoch}:leased`)
    expect(path.at(-1)).toBe(`${done.epoch}:succeeded`)
    expect(detail.events.some(e => e.epoch === first.epoch && e.status === 'running' && e.holder === first.peer.peerId)).toBe(true)
    // One recovery: from the killed holder to the one that finished it. (Two claimers of the new
    // epoch that fence each other would add a second, ending at the finisher's epoch.)
    const [recovery] = detail.recoveries
    expect(recovery).toMatchObject({ taskId: longId, fromEpoch: first.epoch, fromHolder: first.peer.peerId })
    expect(detail.recoveries.at(-1)).toMatchObject({ toEpoch: done.epoch, toHolder: done.holder })
    // From the dead holder's last heartbeat to the new lease: more than nothing, about one ttl.
    console.log(`[control-api] re-claim: epoch ${recovery!.fromEpoch} → ${recovery!.toEpoch}, gap ${recovery!.gapMs} ms (ttl ${TTL_MS} ms); summary recovery ${JSON.stringify(summary.recovery)}`)
    expect(recovery!.gapMs).toBeGreaterThan(0)
    expect(recovery!.gapMs).toBeLessThan(TTL_MS + 5000)
    expect(recovery!.gapMs).toBe(recovery!.resumedAt - recovery!.lastSeenAt)
    // A task that never moved has no recovery.
    expect((await json<ControlJobDetail>(`/api/control/jobs/${ids[0]}`)).recoveries).toEqual([])
    expect((await get(`/api/control/jobs/${'f'.repeat(64)}`)).status).toBe(404)

    const metrics = await get('/metrics')
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await metrics.text()
    expect(text).toContain('mcloud_control_task_success_ratio 1\n')
    expect(text).toContain(`mcloud_control_tasks{status="succeeded"} ${ids.length}\n`)
    expect(text).toMatch(/^mcloud_control_recovery_seconds_count [1-9]\d*$/m)
    expect(text).toContain('mcloud_control_db_up{kind="pglite"} 1\n')
    for (const p of providers.filter(p => p !== first.peer)) {
      const name = (await p.status()).name
      expect(text).toMatch(new RegExp(`^mcloud_node_running_tasks\\{peer="${p.peerId}",name="${name}"\\} \\d+$`, 'm'))
      expect(text).toMatch(new RegExp(`^mcloud_node_idle_cpu_percent\\{peer="${p.peerId}",name="${name}"\\} [\\d.]+$`, 'm'))
    }
  })
})
