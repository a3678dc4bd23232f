// Issue 7: one submitter posting far more tasks than the limit cannot flood the others. Its own
// API refuses beyond its posting limit (429); a submitter that bypasses that limit (here: raised)
// gets only a burst of its tasks into the receivers' task books, and the rest is not lost: a read
// finds any of them, and the receivers' catch-up brings them in from its index at the allowed pace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const TASKS = 120
const BURST = 20

describe('a task flood from one submitter', () => {
  let cluster: Cluster
  const ids: string[] = []

  beforeAll(async () => {
    cluster = await startCluster(3, i => ({
      taskLimits: i === 0
        ? { postBurst: 100_000, postPerMinute: 100_000 }
        : { postBurst: 3, acceptBurst: BURST, acceptPerMinute: 60, catchUpMs: 1000 }
    }))
  }, 60_000)
  afterAll(async () => { await cluster?.stop() })

  it('gets only a burst into the other peers\' task books; the rest stays findable and comes in at the allowed pace', async () => {
    const [flooder, receiver] = cluster.peers as [typeof cluster.peers[0], typeof cluster.peers[0]]
    const start = performance.now()
    for (let i = 0; i < TASKS; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, async (_, j) => await flooder.submitTask({ image: 'busybox', command: ['echo', String(i + j)] })))
      ids.push(...batch.map(b => b.taskId))
    }
    const postSec = (performance.now() - start) / 1000
    expect((await flooder.listTasks()).length).toBe(TASKS)
    await new Promise(resolve => setTimeout(resolve, 500)) // the last gossip lands
    const taken = (await receiver.listTasks()).filter(t => ids.includes(t.taskId)).length
    // the burst, plus one a second refilled while posting, plus what the catch-up read meanwhile
    expect(taken).toBeGreaterThanOrEqual(BURST)
    expect(taken).toBeLessThanOrEqual(BURST + Math.ceil(postSec + 1) * 2)
    expect(taken).toBeLessThan(TASKS)

    // a dropped task is not lost: a read finds it
    const known = new Set((await receiver.listTasks()).map(t => t.taskId))
    const dropped = ids.filter(id => !known.has(id))
    expect((await receiver.getTask(dropped.at(-1)!)).status).toBe('queued')

    // and the catch-up keeps bringing the rest in from the flooder's index, without new gossip
    const before = (await receiver.listTasks()).length
    await waitFor('catch-up reads more tasks', async () => (await receiver.listTasks()).length >= before + 3, 15_000)
  }, 90_000)

  it('refuses tasks beyond its own posting limit with a 429 naming the limit', async () => {
    const peer = cluster.peers[1]!
    for (let i = 0; i < 3; i++) await peer.submitTask({ image: 'busybox', command: ['true'] })
    const err = await peer.submitTask({ image: 'busybox', command: ['true'] }).then(() => undefined, (e: Error) => e)
    expect(err?.name).toBe('TooManyRequestsError')
    expect(err?.message).toMatch(/task posting limit reached \(3 at once, then 300 per minute\)/)
  })
})
