// Fixtures of the scheduler's unit tests: one peer, one queued task, a claim that wins once, and a
// real Scheduler run on them (placement always claiming) until a condition.
import type { TaskSpec, TaskState } from '../../shared/index.js'
import type { Executor } from '../executor/index.js'
import { Lease, type LeaseEngine } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import { Scheduler, type SchedulerEvent, type TaskDataHooks } from './scheduler.js'
import { TaskBook } from './task-book.js'

export const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
export const TASK = 'a'.repeat(64)

/** PEER's spec of a task running `command`. */
export const specOf = (command: string[]): TaskSpec => ({
  v: 1, submitter: PEER, submitterName: 'me', image: 'busybox', command, cpu: 1, memoryMb: 64,
  timeoutSec: 10, env: {}, maxAttempts: 3, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-abc'
})

export const queued: TaskState = {
  v: 1, taskId: TASK, submitter: PEER, specHash: 'b'.repeat(64), status: 'queued', epoch: 0, holder: null, seq: 0,
  attempts: 0, ttlMs: 3000, exitCode: null, error: null, resultCid: null, updatedAt: 1
}

/** A fake lease engine's `claim`: the first call wins the queued task (epoch 1, PEER holding it), every later one finds it not claimable. */
export function claimOnce (): () => Promise<unknown> {
  let claims = 0
  return async () => claims++ > 0
    ? { kind: 'not-claimable', state: undefined }
    : { kind: 'claimed', lease: new Lease({ ...queued, status: 'leased', epoch: 1, holder: PEER }, 0), previous: queued }
}

export interface RunOptions {
  spec: TaskSpec
  executor: Executor
  leases: LeaseEngine
  taskData?: TaskDataHooks
  /** The book to run on (default: a new one); it gets TASK's spec and queued state. */
  book?: TaskBook
  /** When the run is over, given the events so far. */
  done: (events: SchedulerEvent[]) => boolean
}

let scheduler: Scheduler | undefined

/** The scheduler runOnce started last. */
export const lastScheduler = (): Scheduler | undefined => scheduler

/** For afterEach: stops the scheduler runOnce started last. */
export async function stopScheduler (): Promise<void> {
  await scheduler?.stop()
}

/** Starts a scheduler on TASK, queued, and polls until `done` (for up to 10 s); the events it emitted. */
export async function runOnce ({ spec, executor, leases, taskData, book = new TaskBook(), done }: RunOptions): Promise<SchedulerEvent[]> {
  book.setSpec(TASK, spec)
  book.setState(queued)
  const events: SchedulerEvent[] = []
  scheduler = new Scheduler({
    book,
    leases,
    records: {} as unknown as RecordStore,
    executor,
    emit: e => { events.push(e) },
    placement: { claiming: () => true, problem: () => null, backoffMs: () => 0 },
    peerId: PEER,
    availableProviders: () => [PEER],
    ...(taskData === undefined ? {} : { taskData })
  }, { tickMs: 10, claimJitterMs: 0 })
  scheduler.start()
  // Polled, not timed: a loaded CI machine may take a while to start the run at all.
  for (let i = 0; i < 1000 && !done(events); i++) await new Promise(resolve => setTimeout(resolve, 10))
  return events
}
