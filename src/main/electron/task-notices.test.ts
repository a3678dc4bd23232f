import { describe, expect, it } from 'vitest'
import type { TaskView } from '../../shared/index.js'
import { MyTaskNotices, taskNotice } from './task-notices.js'

const ID = '1a2b3c4d5e6f'.padEnd(64, '0')

function task (view: Partial<TaskView> = {}): TaskView {
  return {
    taskId: ID, status: 'queued', epoch: 0, holder: null, attempts: 0, exitCode: null, error: null, submitter: 'me',
    submitterName: 'me', image: 'busybox', command: ['sh', '-c', 'echo hi'], cpu: 1, memoryMb: 256, timeoutSec: 60,
    mine: true, runningHere: false, runningHereSince: null, createdAt: 0, updatedAt: 0,
    inputs: [], resultCid: null, outputsDir: null, ...view
  }
}

describe('MyTaskNotices', () => {
  it('tells once when one of my tasks finishes', () => {
    const notices = new MyTaskNotices()
    expect(notices.observe(task())).toBeNull()
    expect(notices.observe(task({ status: 'running', epoch: 1 }))).toBeNull()
    expect(notices.observe(task({ status: 'succeeded', epoch: 1, exitCode: 0 }))).toEqual({
      taskId: ID, title: 'Task 1a2b3c4d5e6f… succeeded', body: 'busybox'
    })
    // the same result arriving again (gossip, then the DHT) stays quiet
    expect(notices.observe(task({ status: 'succeeded', epoch: 1, exitCode: 0 }))).toBeNull()
  })

  it('stays quiet for history read at start and for other peers\' tasks', () => {
    const notices = new MyTaskNotices()
    expect(notices.observe(task({ status: 'failed' }))).toBeNull()
    expect(notices.observe(task({ mine: false }))).toBeNull()
    expect(notices.observe(task({ mine: false, status: 'succeeded' }))).toBeNull()
  })
})

describe('taskNotice', () => {
  it('says why a task failed', () => {
    expect(taskNotice(task({ status: 'failed', exitCode: 3 })).body).toBe('busybox — exit code 3')
    expect(taskNotice(task({ status: 'failed', error: 'timed out after 60 s' })).body).toBe('busybox — timed out after 60 s')
    expect(taskNotice(task({ status: 'cancelled' })).title).toBe('Task 1a2b3c4d5e6f… cancelled')
  })
})
