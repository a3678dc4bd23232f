import { describe, expect, it } from 'vitest'
import type { TaskView } from '../../shared/api.js'
import { myTasks, shortTaskId, sortTasks, tasksFromList, tasksRunningHere, trackHeldSince, upsertTask } from './tasks.js'

const task = (over: Partial<TaskView> = {}): TaskView => ({
  taskId: 'a'.repeat(64), status: 'queued', epoch: 0, holder: null, attempts: 0, exitCode: null, error: null,
  submitter: 'S', submitterName: 'alice', image: 'busybox', command: ['sh', '-c', 'true'], cpu: 1, memoryMb: 256,
  timeoutSec: 60, mine: true, runningHere: false, runningHereSince: null, createdAt: 1000, updatedAt: 1000,
  inputs: [], resultCid: null, outputsDir: null, ...over
})

describe('task map', () => {
  it('applies task:state events, ignoring one older than what is held', () => {
    const queued = task()
    const running = task({ status: 'running', epoch: 1, holder: 'P', updatedAt: 2000 })
    let map = upsertTask(new Map(), queued)
    map = upsertTask(map, running)
    expect(map.get(queued.taskId)?.status).toBe('running')
    // A late queued@0 (same task) must not roll the view back.
    expect(upsertTask(map, queued)).toBe(map)
    // A later record at the same epoch wins.
    expect(upsertTask(map, task({ status: 'succeeded', epoch: 1, holder: 'P', updatedAt: 3000, exitCode: 0 })).get(queued.taskId)?.status).toBe('succeeded')
  })

  it('replaces the map from a list but keeps a newer event that raced the list', () => {
    const a = task({ taskId: 'a'.repeat(64) })
    const b = task({ taskId: 'b'.repeat(64) })
    const newer = task({ taskId: 'a'.repeat(64), status: 'running', epoch: 1, holder: 'P', updatedAt: 5000 })
    const map = tasksFromList([a, b], new Map([[newer.taskId, newer]]))
    expect([...map.keys()]).toEqual([a.taskId, b.taskId])
    expect(map.get(a.taskId)?.status).toBe('running')
  })

  it('sorts newest first and filters mine / running here', () => {
    const old = task({ taskId: '1'.repeat(64), createdAt: 1 })
    const young = task({ taskId: '2'.repeat(64), createdAt: 9 })
    const foreign = task({ taskId: '3'.repeat(64), mine: false, runningHere: true, status: 'running', epoch: 1, holder: 'me' })
    const unknown = task({ taskId: '4'.repeat(64), createdAt: null })
    expect(sortTasks([old, unknown, young]).map((t) => t.taskId)).toEqual([young.taskId, old.taskId, unknown.taskId])
    const map = new Map([old, young, foreign].map((t) => [t.taskId, t]))
    expect(myTasks(map).map((t) => t.taskId)).toEqual([young.taskId, old.taskId])
    expect(tasksRunningHere(map).map((t) => t.taskId)).toEqual([foreign.taskId])
    expect(shortTaskId('0123456789abcdef')).toBe('0123456789ab')
  })

  it('remembers when a task started running here, per epoch, and forgets it when it leaves', () => {
    const held = task({ runningHere: true, status: 'running', epoch: 1, holder: 'me' })
    let since = trackHeldSince({}, held, 100)
    expect(since[held.taskId]).toEqual({ epoch: 1, at: 100 })
    expect(trackHeldSince(since, held, 200)).toBe(since)
    since = trackHeldSince(since, { ...held, epoch: 3 }, 300)
    expect(since[held.taskId]).toEqual({ epoch: 3, at: 300 })
    expect(trackHeldSince(since, { ...held, runningHere: false, status: 'queued' }, 400)).toEqual({})
  })
})
