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
})
