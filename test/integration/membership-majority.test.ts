// Lease writes need a majority of the organisation's members (lease/membership.ts): peers that
// lost more than half of their members without a word claim nothing, say why, and resume once
// the window forgets the silent ones; members that leave gracefully say goodbye and never count.
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const TTL_MS = 2000
const WINDOW_MS = 6000

describe('majority of the members', () => {
  let cluster: Cluster | undefined
  afterEach(async () => { await cluster?.stop(); cluster = undefined })

  const start = async (): Promise<{ submitter: Peer, provider: Peer, others: Peer[] }> => {
    // 0 submits, 1 lends; 2 and 3 are members that lend nothing (paused), so they never take the task.
    const c = cluster = await startCluster(4, i => ({
      leaseTtlMs: TTL_MS, membershipWindowMs: WINDOW_MS,
      ...(i === 1 ? { executor: new SimulatedSleepExecutor() } : {}),
      ...(i >= 2 ? { executor: new SimulatedSleepExecutor(), sharing: { mode: 'paused' as const } } : {})
    }))
    const [submitter, provider, ...others] = c.peers as [Peer, Peer, ...Peer[]]
    await waitFor('every peer to count all four members', () => c.peers.every(p => p.membership.view().known === 4), 20_000)
    return { submitter, provider, others }
  }

  const succeeded = async (submitter: Peer, taskId: string, timeoutMs: number): Promise<number> => {
    const t0 = performance.now()
    await waitFor('the task to succeed', async () => (await submitter.getTask(taskId)).status === 'succeeded', timeoutMs, 100)
    return performance.now() - t0
  }

  it('two of four members gone without a word: nothing is claimed, status and why say so, and work resumes after the window', async () => {
    const { submitter, provider, others } = await start()
    const killedAt = performance.now()
    // Abrupt: no goodbye (peer.stop() would say one).
    await Promise.all(others.map(async p => { await p.node.stop() }))
    await waitFor('the provider to see it has no majority', () => !provider.membership.hasMajority(), 5000)
    expect(await provider.status()).toMatchObject({ members: { reachable: 2, known: 4, majority: false } })

    const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 0.5'] })
    const why = await submitter.whyTask(taskId)
    expect(why.answers.find(a => a.peerId === provider.peerId)).toMatchObject({ code: 'no-majority', message: expect.stringContaining('reaches only 2 of the 4 members') })
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect((await submitter.getTask(taskId)).status).toBe('queued')

    await succeeded(submitter, taskId, WINDOW_MS + 15_000)
    // Not before the silent members were forgotten.
    expect(performance.now() - killedAt).toBeGreaterThanOrEqual(WINDOW_MS)
    expect(provider.membership.view()).toEqual({ reachable: 2, known: 2, majority: true })
  }, 60_000)

  it('two of four members leave gracefully: their goodbye keeps the rest a majority, work goes on at once', async () => {
    const { submitter, provider, others } = await start()
    await Promise.all(others.map(async p => { await p.stop() }))
    await waitFor('the goodbyes to arrive', () => provider.membership.view().known === 2, 5000)
    expect(provider.membership.hasMajority()).toBe(true)
    const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 0.5'] })
    expect(await succeeded(submitter, taskId, WINDOW_MS)).toBeLessThan(WINDOW_MS)
  }, 60_000)

  it('computers going to sleep say goodbye, so the rest keep the majority; awake, they count again', async () => {
    const { submitter, provider, others } = await start()
    await Promise.all(others.map(async p => await p.beforeSleep()))
    await waitFor('the goodbyes to arrive', () => provider.membership.view().known === 2, 5000)
    const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 0.5'] })
    expect(await succeeded(submitter, taskId, WINDOW_MS)).toBeLessThan(WINDOW_MS)
    for (const p of others) p.afterWake()
    await waitFor('the sleepers to count again', () => provider.membership.view().known === 4, 5000)
    expect(provider.membership.view()).toEqual({ reachable: 4, known: 4, majority: true })
  }, 60_000)
})
