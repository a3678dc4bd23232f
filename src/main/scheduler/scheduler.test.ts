// The scheduler's ending of a run when the commit could not be confirmed (writes and reads short
// of a quorum under load): it must still end in one truthful event, never in silence.
import { afterEach, describe, expect, it } from 'vitest'
import type { TaskSpec } from '../../shared/index.js'
import { SimulatedSleepExecutor } from '../executor/index.js'
import type { Lease, LeaseEngine } from '../lease/index.js'
import { claimOnce, lastScheduler, PEER, queued, runOnce as run, specOf, stopScheduler, TASK } from './fixtures.test-helper.js'
import type { SchedulerEvent } from './scheduler.js'
import { TaskBook } from './task-book.js'

const spec: TaskSpec = specOf(['sleep', '0.01'])

/** A lease engine whose first claim wins and whose commit is never confirmed; `confirm` answers from a script. */
function fakeLeases (answers: Array<boolean | undefined>, onConfirm: (lease: Lease) => void = () => {}): LeaseEngine {
  let confirms = 0
  return {
    heartbeatMs: 5,
    watcher: { isExpired: () => false },
    settled: () => true,
    // The result went out, so the real engine would find the task finished: one claim only.
    claim: claimOnce(),
    heartbeat: async () => true,
    // The result went out (the real put keeps it as this peer's copy, so the book sees the task
    // finished); only its acknowledgements fell short.
    commit: async () => { book.setState({ ...queued, status: 'succeeded', epoch: 1, holder: PEER, seq: 2 }); return false },
    confirm: async (lease: Lease) => {
      onConfirm(lease)
      return answers[Math.min(confirms++, answers.length - 1)]
    }
  } as unknown as LeaseEngine
}

let book = new TaskBook()
afterEach(stopScheduler)

/** Runs the scheduler until `done` (default: the run ended in committed or fenced), for up to 10 s. */
async function runOnce (leases: LeaseEngine, done?: () => boolean): Promise<SchedulerEvent[]> {
  book = new TaskBook()
  const ended = done ?? ((events: SchedulerEvent[]): boolean => events.some(e => e.type === 'lease:committed' || e.type === 'lease:fenced'))
  return await run({ spec, executor: new SimulatedSleepExecutor(), leases, book, done: ended })
}

describe('a commit the replicas did not confirm in time', () => {
  it('is reported committed once a later read finds the result on a quorum', async () => {
    const events = await runOnce(fakeLeases([undefined, undefined, true]))
    expect(events.filter(e => e.type === 'lease:committed')).toEqual([{ type: 'lease:committed', taskId: TASK, epoch: 1, status: 'succeeded' }])
    expect(events.some(e => e.type === 'lease:fenced')).toBe(false)
  })

  it('is reported fenced, with the reason, when a read finds the lease overtaken', async () => {
    const events = await runOnce(fakeLeases([undefined, false], lease => { lease.fence('epoch 2 appeared (holder x)') }))
    expect(events.find(e => e.type === 'lease:fenced')).toMatchObject({ taskId: TASK, epoch: 1, reason: 'epoch 2 appeared (holder x)' })
    expect(events.some(e => e.type === 'lease:committed')).toBe(false)
  })

  it('frees the slot at once: the run is over while the replicas are still being read', async () => {
    let reads = 0
    const events = await runOnce(fakeLeases([undefined], () => { reads++ }), () => reads >= 3)
    expect(reads).toBeGreaterThanOrEqual(3)
    expect(events.some(e => e.type === 'task:running')).toBe(true)
    // No answer yet from the replicas, and nothing is held any more.
    expect(events.some(e => e.type === 'lease:committed' || e.type === 'lease:fenced')).toBe(false)
    expect(lastScheduler()!.runningCount).toBe(0)
    expect(lastScheduler()!.held().tasks).toBe(0)
  })
})
