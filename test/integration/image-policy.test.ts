// The owner's image policy, with real libp2p peers: a provider never claims a task whose image its
// owner does not allow, another provider that allows it runs it, and while nobody accepts the
// image the submitter's "why" says so in one plain sentence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimulatedSleepExecutor } from '../../src/main/executor/simulated-sleep.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const EVIL = 'docker.io/evil:latest'
// Long enough for both providers to have seen the task and chosen not to claim it (a provider
// with room claims within about a second).
const STAYS_QUEUED_MS = 3000

describe('provider image policy', () => {
  let cluster: Cluster
  /** Tasks each provider claimed, by peer id: a refusal must never show up here. */
  const claimed = new Map<string, string[]>()

  beforeAll(async () => {
    cluster = await startCluster(3, i => i === 0
      ? {}
      : {
          executor: new SimulatedSleepExecutor(),
          sharing: { mode: 'on', maxCpu: 2, maxTasks: 2, maxOwnerCpuPct: 100, allowedImages: i === 1 ? ['mcloud-test/*'] : ['python:3.*'] }
        })
    for (const p of cluster.peers.slice(1)) {
      claimed.set(p.peerId, [])
      p.bus.on(e => { if (e.type === 'lease:claimed') claimed.get(p.peerId)!.push(e.taskId) })
    }
  }, 60_000)
  afterAll(async () => { await cluster?.stop() })

  const submitter = (): Peer => cluster.peers[0]!
  const strict = (): Peer => cluster.peers[1]!
  const other = (): Peer => cluster.peers[2]!

  it('nobody claims an image no policy allows, and "why" names the image; a provider that allows it runs it', async () => {
    const { taskId } = await submitter().submitTask({ image: EVIL, command: ['sleep', '0.2'], timeoutSec: 60 })
    // Once both providers have the spec, the answer is the policy, not "has not seen this task".
    const why = await waitFor('both providers to decline by policy', async () => {
      const w = await submitter().whyTask(taskId)
      return w.answers.filter(a => a.code === 'image-not-allowed').length === 2 ? w : undefined
    }, 20_000, 200)
    expect(why.summary).toBe(`no peer accepts image ${EVIL} (declined by policy: peer-1, peer-2)`)
    expect(why.answers.find(a => a.name === 'peer-1')?.message).toBe(`image ${EVIL} is not allowed here (allowed: mcloud-test/*)`)

    const until = Date.now() + STAYS_QUEUED_MS
    while (Date.now() < until) {
      expect(await submitter().getTask(taskId)).toMatchObject({ status: 'queued', holder: null })
      await new Promise(resolve => setTimeout(resolve, 250))
    }

    // peer-2's owner allows it: peer-2 takes it; peer-1 still never does.
    await other().updateSharing({ allowedImages: ['python:3.*', 'docker.io/evil:*'] })
    const done = await waitFor('the task to succeed', async () => {
      const t = await submitter().getTask(taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 30_000, 100)
    expect(done.holder).toBe(other().peerId)
    expect(claimed.get(strict().peerId)).not.toContain(taskId)
  })

  it('an allowed image is claimed by the provider whose policy names it', async () => {
    // peer-2 stops lending, so only peer-1 (mcloud-test/*) can take it.
    await other().updateSharing({ mode: 'paused' })
    const { taskId } = await submitter().submitTask({ image: 'mcloud-test/busybox', command: ['sleep', '0.2'], timeoutSec: 60 })
    const done = await waitFor('the task to succeed', async () => {
      const t = await submitter().getTask(taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 30_000, 100)
    expect(done.holder).toBe(strict().peerId)
  })
})
