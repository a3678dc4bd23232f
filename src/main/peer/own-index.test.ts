// A submitter's own task index saved in its data dir: a submit just before a stop is not lost, and
// a restart takes those tasks as its own again even when the network's copy is older or missing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LeaseEngine } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import { TaskBook, type Scheduler } from '../scheduler/index.js'
import { PeerBus } from './bus.js'
import { TaskService } from './task-service.js'

const PEER = '12D3KooWSubmitterSubmitterSubmitterSubmitterSub1'

function service (indexFile: string, warnings: string[] = []): { tasks: TaskService, reads: string[], indexPuts: number[] } {
  const reads: string[] = []
  const indexPuts: number[] = []
  const records = {
    put: async (key: string, value: { seq?: number }) => {
      if (key.includes('/tasks')) indexPuts.push(value.seq ?? -1)
      return { acks: 0, required: 0 }
    },
    // the network has no index of mine (not reachable yet, or only an older one)
    get: async () => ({ best: undefined })
  } as unknown as RecordStore
  const leases = { ttlMs: 3000, readState: async (taskId: string) => { reads.push(taskId) } } as unknown as LeaseEngine
  const scheduler = { tick: () => {}, isRunning: () => false, runningSince: () => null } as unknown as Scheduler
  const tasks = new TaskService({ records, leases, book: new TaskBook(), scheduler, bus: new PeerBus(), peerId: PEER, name: 'me', announce: () => {} },
    { indexFile, warn: msg => { warnings.push(msg) } })
  return { tasks, reads, indexPuts }
}

describe('the saved task index', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mc-own-index-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('keeps a task submitted just before the stop, and a restart reads it back from the DHT', async () => {
    const file = join(dir, 'task-index.json')
    const before = service(file)
    const { taskId } = await before.tasks.submit({ image: 'busybox', command: ['true'] })
    // stopped before the coalesced index write (200 ms) ran: the stop saves it
    before.tasks.stop()
    expect(before.indexPuts).toEqual([])
    const saved = JSON.parse(await readFile(file, 'utf8')) as { seq: number, open: string[] }
    expect(saved.open).toEqual([taskId])

    const after = service(file)
    expect(await after.tasks.loadSavedIndex()).toBe(1)
    expect(await after.tasks.recoverMine()).toBe(1)
    expect(after.reads).toEqual([taskId])
    // the next index outranks the saved one even with no network copy to compare with
    const second = await after.tasks.submit({ image: 'busybox', command: ['false'] })
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(after.indexPuts).toHaveLength(1)
    expect(after.indexPuts[0]).toBeGreaterThan(saved.seq)
    const again = JSON.parse(await readFile(file, 'utf8')) as { open: string[] }
    expect(again.open.sort()).toEqual([taskId, second.taskId].sort())
    after.tasks.stop()
  })

  it('ignores a damaged file, saying which file and why', async () => {
    const file = join(dir, 'task-index.json')
    await writeFile(file, '{"seq": 1, "open": ["not-a-task-id"], "recent": []}')
    const warnings: string[] = []
    const { tasks } = service(file, warnings)
    expect(await tasks.loadSavedIndex()).toBe(0)
    expect(warnings.join('\n')).toContain(`${file}: open.0: must be a 64-character hex task id; ignored`)
    await writeFile(file, 'garbage')
    expect(await tasks.loadSavedIndex()).toBe(0)
    expect(warnings[1]).toMatch(/not JSON/)
  })

  it('drops a saved task no read finds after five rounds, so it cannot take a re-read slot forever', async () => {
    const file = join(dir, 'task-index.json')
    const gone = 'ab'.repeat(32)
    await writeFile(file, JSON.stringify({ seq: 5, open: [gone], recent: [] }))
    const warnings: string[] = []
    const { tasks, reads } = service(file, warnings)
    await tasks.loadSavedIndex()
    await tasks.recoverMine()
    const realNow = Date.now
    let now = realNow()
    Date.now = () => now
    try {
      for (let i = 0; i < 6; i++) { now += 10_000; await tasks.refreshMine() }
    } finally { Date.now = realNow }
    expect(reads.filter(id => id === gone)).toHaveLength(6) // recovery + 5 rounds
    expect(warnings.join('\n')).toContain(`task ${gone.slice(0, 12)} of my saved index was not found in 5 reads; dropped from my list`)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ open: [], recent: [] })
    tasks.stop()
  })
})
