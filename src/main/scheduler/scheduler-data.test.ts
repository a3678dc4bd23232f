// The scheduler wires a run's data: the peer's TaskDataHooks reach the executor, and the CID of the
// task's outputs reaches the committed result.
import { afterEach, describe, expect, it } from 'vitest'
import type { TaskSpec } from '../../shared/index.js'
import type { Executor, ExecResult, TaskRun } from '../executor/index.js'
import type { Lease, LeaseEngine, Outcome } from '../lease/index.js'
import { claimOnce, runOnce as run, specOf, stopScheduler, TASK } from './fixtures.test-helper.js'
import type { SchedulerEvent, TaskDataHooks } from './scheduler.js'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const base: TaskSpec = specOf(['true'])

/** A lease engine whose first claim wins and whose commit lands; `commits` and `releases` record what it was asked. */
function fakeLeases (): { leases: LeaseEngine, commits: Outcome[], releases: string[] } {
  const commits: Outcome[] = []
  const releases: string[] = []
  const leases = {
    heartbeatMs: 5,
    watcher: { isExpired: () => false },
    settled: () => true,
    claim: claimOnce(),
    heartbeat: async () => true,
    commit: async (_lease: Lease, outcome: Outcome) => { commits.push(outcome); return true },
    release: async (_lease: Lease, reason: string) => { releases.push(reason) }
  } as unknown as LeaseEngine
  return { leases, commits, releases }
}

/** An executor that records the run it was given and answers `result` (running the hooks it got, as Docker would). */
function fakeExecutor (result: Omit<ExecResult, 'durationMs'>, seen: TaskRun[]): Executor {
  return {
    name: 'fake',
    available: async () => true,
    run: async run => {
      seen.push(run)
      await run.prepareInput?.('/work/input', run.signal)
      const resultCid = run.storeOutput === undefined ? undefined : await run.storeOutput('/work/output')
      return { ...result, ...(resultCid === undefined ? {} : { resultCid }), durationMs: 1 }
    }
  }
}

afterEach(stopScheduler)

const ended = (events: SchedulerEvent[]): boolean => events.some(e => e.type === 'lease:committed' || e.type === 'lease:released' || e.type === 'lease:fenced')

async function runOnce (spec: TaskSpec, executor: Executor, leases: LeaseEngine, taskData?: TaskDataHooks): Promise<SchedulerEvent[]> {
  return await run({ spec, executor, leases, done: ended, ...(taskData === undefined ? {} : { taskData }) })
}

function hooks (calls: string[], maxOutputBytes?: number): TaskDataHooks {
  return {
    prepareInput: async (spec, taskId, dir) => { calls.push(`prepare ${taskId.slice(0, 4)} ${dir} ${spec.inputs?.map(i => i.name).join(',') ?? ''}`) },
    storeOutput: async (taskId, dir) => { calls.push(`store ${taskId.slice(0, 4)} ${dir}`); return CID },
    maxOutputBytes: () => maxOutputBytes
  }
}

describe('a run\'s data', () => {
  it('commits the CID of the task\'s outputs with its result', async () => {
    const { leases, commits } = fakeLeases()
    const calls: string[] = []
    const seen: TaskRun[] = []
    const events = await runOnce(base, fakeExecutor({ exitCode: 0, error: null }, seen), leases, hooks(calls, 5 * 2 ** 20))
    expect(events.filter(e => e.type === 'lease:committed')).toEqual([{ type: 'lease:committed', taskId: TASK, epoch: 1, status: 'succeeded' }])
    expect(commits).toEqual([{ status: 'succeeded', exitCode: 0, error: null, resultCid: CID }])
    // no inputs in the spec: nothing to fetch
    expect(calls).toEqual(['store aaaa /work/output'])
    expect(seen[0]?.prepareInput).toBeUndefined()
    expect(seen[0]?.maxOutputBytes).toBe(5 * 2 ** 20)
  })

  it('fetches the inputs of a spec that has some; a failed task keeps its outputs\' CID', async () => {
    const { leases, commits } = fakeLeases()
    const calls: string[] = []
    const seen: TaskRun[] = []
    const spec = { ...base, inputs: [{ name: 'data.csv', cid: CID, bytes: 10 }, { name: 'model', cid: CID, bytes: 20 }] }
    await runOnce(spec, fakeExecutor({ exitCode: 2, error: null }, seen), leases, hooks(calls))
    expect(calls).toEqual(['prepare aaaa /work/input data.csv,model', 'store aaaa /work/output'])
    expect(commits).toEqual([{ status: 'failed', exitCode: 2, error: null, resultCid: CID }])
    expect(seen[0]).not.toHaveProperty('maxOutputBytes')
  })

  it('without TaskDataHooks a run gets no hooks and commits no CID', async () => {
    const { leases, commits } = fakeLeases()
    const seen: TaskRun[] = []
    await runOnce(base, fakeExecutor({ exitCode: 0, error: null }, seen), leases)
    expect(seen[0]).not.toHaveProperty('storeOutput')
    expect(seen[0]).not.toHaveProperty('prepareInput')
    expect(commits).toEqual([{ status: 'succeeded', exitCode: 0, error: null, resultCid: null }])
  })

  it('hands the task back when its inputs could not be fetched here', async () => {
    const { leases, commits, releases } = fakeLeases()
    const failing: Executor = { name: 'fake', available: async () => true, run: async () => ({ exitCode: null, error: 'no peer has the input data.csv', infrastructure: true, durationMs: 1 }) }
    const events = await runOnce({ ...base, inputs: [{ name: 'data.csv', cid: CID, bytes: 10 }] }, failing, leases, hooks([]))
    expect(commits).toEqual([])
    expect(releases).toEqual(['no peer has the input data.csv'])
    expect(events.find(e => e.type === 'lease:released')).toMatchObject({ reason: 'no peer has the input data.csv' })
  })
})
