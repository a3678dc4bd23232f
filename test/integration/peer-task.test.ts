import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

describe('a task submitted on one peer', () => {
  let cluster: Cluster
  const runs: string[] = []
  beforeAll(async () => {
    cluster = await startCluster(5, i => ({
      executor: i === 0 ? undefined : new SimulatedSleepExecutor({ onRun: e => { if (e.phase === 'start') runs.push(`${e.taskId}@${e.epoch}`) } })
    }))
  })
  afterAll(async () => { await cluster?.stop() })

  it('is claimed by exactly one peer, completes, and every peer reads the same final state', async () => {
    const submitter = cluster.peers[0]!
    const { taskId } = await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 0.3'] })
    const done = await waitFor('task to succeed', async () => {
      const t = await submitter.getTask(taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 20_000)
    expect(done.epoch).toBe(1)
    expect(done.holder).not.toBe(submitter.peerId)
    expect(runs.filter(r => r.startsWith(taskId))).toHaveLength(1)
    // The submitter holds a copy of the output, streamed from the peer that ran it.
    const logs = await waitFor('the output to reach the submitter', async () => {
      const l = await submitter.taskLogs(taskId)
      return l.lines.length > 0 ? l : undefined
    }, 10_000)
    expect(logs.lines[0]?.line).toContain('sleep 0.3')
    expect(logs.complete).toBe(true)
    for (const p of cluster.peers) {
      const { best } = await p.leases.readState(taskId)
      expect(best?.value.status).toBe('succeeded')
      expect(best?.value.holder).toBe(done.holder)
      expect(best?.value.epoch).toBe(1)
    }
  })

  it('a provider with every slot taken lends nothing more, in its own view and in the others\' (so they do not rank it first)', async () => {
    const submitter = cluster.peers[0]!
    const providers = cluster.peers.slice(1)
    const free = async (): Promise<boolean> => (await submitter.peers()).filter(p => providers.some(q => q.peerId === p.peerId)).every(p => (p.meta?.lendableCpu ?? 0) > 0)
    await waitFor('every provider to show room', free, 20_000)
    // small tasks, as many as there are slots: CPU and memory never run out before the slots do
    const slots = providers[0]!.lending.view().settings.maxTasks
    const ids = await Promise.all(Array.from({ length: slots * providers.length }, async () => (await submitter.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 6'], cpu: 0.1, memoryMb: 16 })).taskId))
    const full = await waitFor('a provider with every slot taken', () => providers.find(p => p.scheduler!.runningCount === slots), 20_000)
    expect(full.lending.view()).toMatchObject({ lendableCpu: 0, lendableMemMb: 0, claiming: true })
    await waitFor('the submitter to see it full', async () => (await submitter.peers()).find(p => p.peerId === full.peerId)?.meta?.lendableCpu === 0, 5_000)
    for (const id of ids) await submitter.cancelTask(id).catch(() => {})
    await waitFor('its room to come back', async () => ((await submitter.peers()).find(p => p.peerId === full.peerId)?.meta?.lendableCpu ?? 0) > 0, 20_000)
  })
})
