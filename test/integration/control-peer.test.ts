// The control peer with real peers: after a run of tasks its database equals the DHT-selected
// state for every task, on embedded PGlite (the default) and on a real PostgreSQL 15 server; and a
// second control peer on the same data dir refuses to start (PGlite does not lock its directory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { startControlPeer, type ControlPeer } from '../../src/main/control/index.js'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import { quietSampler, startCluster, waitFor, type Cluster } from '../helpers/cluster.js'
import { createDatabase, postgresSkipReason, startPostgres, type PgCluster } from '../helpers/postgres.js'

const TASKS = 12

async function runAndCompare (cluster: Cluster, control: ControlPeer): Promise<void> {
  const submitter = cluster.peers[0]!
  const ids: string[] = []
  for (let i = 0; i < TASKS; i++) ids.push((await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', `sleep 0.${i % 5}`] })).taskId)
  await waitFor('all tasks to succeed', async () => (await Promise.all(ids.map(async id => (await submitter.getTask(id)).status))).every(s => s === 'succeeded'), 60_000, 200).catch(async (err: Error) => {
    // Say where each task stood on every peer, so a failure shows whether a task was never seen or never finished.
    const lists = await Promise.all([...cluster.peers, control.peer].map(async p => await p.listTasks()))
    const where = ids.map(id => `${id.slice(0, 8)}: ${lists.map(list => list.find(t => t.taskId === id)?.status ?? 'unseen').join('/')}`)
    const stuck = ids.filter(id => lists[0]!.find(t => t.taskId === id)?.status !== 'succeeded').slice(0, 3)
    const why = await Promise.all(stuck.map(async id => `${id.slice(0, 8)}: ${(await submitter.whyTask(id).catch((e: Error) => ({ summary: e.message }))).summary}`))
    throw new Error(`${err.message} (submitter/providers/control: ${where.join(', ')}; why: ${why.join('; ')})`)
  })
  // The mirror follows gossip; a reconcile covers anything gossip did not bring.
  await waitFor('the database to agree with the DHT', async () => {
    await control.mirror.flush()
    for (const id of ids) {
      const best = (await control.peer.leases.readState(id)).best?.value
      const row = await control.store.job(id)
      if (best === undefined || row === undefined || row.status !== best.status || row.leaseToken !== best.epoch || row.holder !== best.holder || row.image !== 'busybox') {
        if (process.env.DEBUG_CONTROL !== undefined) console.log(JSON.stringify({ best, row, up: control.mirror.databaseUp, q: control.mirror.queued }))
        return false
      }
    }
    return true
  }, 30_000, 500)
  const summary = await control.store.summary()
  expect(summary.byStatus.succeeded).toBeGreaterThanOrEqual(TASKS)
  expect(summary.nodes).toBeGreaterThanOrEqual(3)
}

describe('the control peer mirrors the network into its database', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(3, i => ({ executor: i === 0 ? undefined : new SimulatedSleepExecutor(), slots: 2 }))
  })
  afterAll(async () => { await cluster?.stop() })

  const start = async (name: string, dbUrl?: string): Promise<ControlPeer> => await startControlPeer({
    dataDir: join(cluster.root, name), name, listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: null,
    bootstrap: [cluster.peers[0]!.node.getMultiaddrs()[0]!.toString()], leaseTtlMs: 3000, sampler: quietSampler(), dbUrl
  })

  it('on embedded PGlite: 100% agreement; a second control peer on the same dir refuses', async () => {
    const control = await start('control-pglite')
    try {
      expect(control.db.kind).toBe('pglite')
      await runAndCompare(cluster, control)
      await expect(start('control-pglite')).rejects.toThrow(/in use by another peer/)
    } finally {
      await control.stop()
    }
  })

  const skip = postgresSkipReason()
  if (skip !== null) console.warn(`control-peer.test.ts: PostgreSQL part skipped: ${skip}`)
  it.skipIf(skip !== null)('on a real PostgreSQL 15 server: 100% agreement', async () => {
    let pgCluster: PgCluster | undefined
    let control: ControlPeer | undefined
    try {
      pgCluster = await startPostgres()
      control = await start('control-pg', await createDatabase(pgCluster, 'mcloud_mirror'))
      expect(control.db.kind).toBe('pg')
      await runAndCompare(cluster, control)
    } finally {
      await control?.stop()
      await pgCluster?.stop()
    }
  })
})
