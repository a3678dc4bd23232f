// The scheduler's ending of a run when the commit could not be confirmed (writes and reads short
// of a quorum under load): it must still end in one truthful event, never in silence.
import { afterEach, describe, expect, it } from 'vitest'
import type { TaskSpec, TaskState } from '../../shared/index.js'
import { SimulatedSleepExecutor } from '../executor/index.js'
import { Lease, type LeaseEngine } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import { Scheduler, type SchedulerEvent } from './scheduler.js'
import { TaskBook } from './task-book.js'

const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const TASK = 'a'.repeat(64)
const spec: TaskSpec = {
  v: 1, submitter: PEER, submitterName: 'me', image: 'busybox', command: ['sleep', '0.01'], cpu: 1, memoryMb: 64,
  timeoutSec: 10, env: {}, maxAttempts: 3, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-abc'
}
const queued: TaskState = {
  v: 1, taskId: TASK, submitter: PEER, specHash: 'b'.repeat(64), status: 'queued', epoch: 0, holder: null, seq: 0,
  attempts: 0, ttlMs: 3000, exitCode: null, error: null, resultCid: null, updatedAt: 1
}

/** A lease engine whose first claim wins and whose commit is never confirmed; `confirm` answers from a script. */
function fakeLeases (answers: Array<boolean | undefined>, onConfirm: (lease: Lease) => void = () => {}): LeaseEngine {
  let confirms = 0
  let claims = 0
  return {
    heartbeatMs: 5,
    watcher: { isExpired: () => false },
    settled: () => true,
    // The result went out, so the real engine would find the task finished: one claim only.
    claim: async () => claims++ > 0
      ? { kind: 'not-claimable', state: undefined }
      : { kind: 'claimed', lease: new Lease({ ...queued, status: 'leased', epoch: 1, holder: PEER }, 0), previous: queued },
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

let scheduler: Scheduler | undefined
let book = new TaskBook()
afterEach(async () => { await scheduler?.stop() })

/** Runs the scheduler until `done` (default: the run ended in committed or fenced), for up to 10 s. */
async function runOnce (leases: LeaseEngine, done?: () => boolean): Promise<SchedulerEvent[]> {
  book = new TaskBook()
  book.setSpec(TASK, spec)
  book.setState(queued)
  const events: SchedulerEvent[] = []
  scheduler = new Scheduler({
    book,
    leases,
    records: {} as unknown as RecordStore,
    executor: new SimulatedSleepExecutor(),
    emit: e => { events.push(e) },
    placement: { claiming: () => true, problem: () => null, backoffMs: () => 0 },
    peerId: PEER,
    availableProviders: () => [PEER]
  }, { tickMs: 10, claimJitterMs: 0 })
  scheduler.start()
  const ended = done ?? ((): boolean => events.some(e => e.type === 'lease:committed' || e.type === 'lease:fenced'))
  // Polled, not timed: a loaded CI machine may take a while to start the run at all.
  for (let i = 0; i < 1000 && !ended(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  return events
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
    expect(scheduler!.runningCount).toBe(0)
    expect(scheduler!.held().tasks).toBe(0)
  })
})
