// TaskData with a fake content store (the real one is tested in src/main/data and end to end in
// test/integration/task-data.test.ts): bad input paths are named by field, downloads say why they
// cannot happen, my finished tasks' outputs are fetched once, and progress ends with `done`.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApiEvent, TaskView } from '../../shared/index.js'
import type { ContentStore } from '../data/index.js'
import { PeerBus, type PeerEvent } from './bus.js'
import { TaskData } from './task-data.js'

const CID = `bafy${'a'.repeat(55)}`
const TASK = 'c'.repeat(64)

function fakeStore (fetched: string[]): ContentStore {
  return {
    addPath: async (path: string) => ({ cid: CID, bytes: 3, name: path.split('/').at(-1)! }),
    addDirectoryContents: async () => null,
    fetch: async (cid: string, o) => { fetched.push(cid); o?.onProgress?.({ bytes: 5, total: 5 }); return { bytes: 5 } },
    has: async () => true,
    exportTo: async (_cid: string, dir: string) => { await writeFile(join(dir, 'result.txt'), 'hello'); return { bytes: 5 } },
    release: () => {},
    retain: () => {},
    collectGarbage: async () => ({ roots: 0 }),
    diskBytes: async () => 0,
    stop: async () => {}
  }
}

function view (over: Partial<TaskView> = {}): TaskView {
  return {
    taskId: TASK, status: 'succeeded', epoch: 1, holder: null, attempts: 1, exitCode: 0, error: null, submitter: 'me', submitterName: 'me',
    image: 'busybox', command: ['true'], cpu: 1, memoryMb: 64, timeoutSec: 10, mine: true, runningHere: false, runningHereSince: null,
    createdAt: 1, updatedAt: 2, inputs: [], resultCid: CID, outputsDir: null, ...over
  }
}

describe('TaskData', () => {
  let dir: string
  let events: PeerEvent[]
  let fetched: string[]
  let current: TaskView | undefined
  let data: TaskData
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-task-data-'))
    events = []
    fetched = []
    current = view()
    const bus = new PeerBus()
    bus.on(e => events.push(e))
    const store = fakeStore(fetched)
    data = new TaskData({ store: async () => store, bus, outputsRoot: join(dir, 'outputs'), maxOutputBytes: () => undefined, task: async () => current })
    await data.start()
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('names the bad input path by its field', async () => {
    await expect(data.addInputs(['relative/file'])).rejects.toMatchObject({ name: 'ValidationError', field: 'inputPaths.0', message: 'inputPaths.0: "relative/file" is not an absolute path' })
    await expect(data.addInputs([join(dir, 'missing')])).rejects.toMatchObject({ field: 'inputPaths.0', message: expect.stringContaining('does not exist') })
    await mkdir(join(dir, 'a'))
    await mkdir(join(dir, 'b'))
    await writeFile(join(dir, 'a', 'x.csv'), 'a')
    await writeFile(join(dir, 'b', 'x.csv'), 'b')
    await expect(data.addInputs([join(dir, 'a', 'x.csv'), join(dir, 'b', 'x.csv')])).rejects.toMatchObject({ field: 'inputPaths.1', message: expect.stringContaining('a second input named "x.csv"') })
    expect(await data.addInputs([join(dir, 'a', 'x.csv')])).toEqual([{ name: 'x.csv', cid: CID, bytes: 3 }])
  })

  it('says why outputs cannot be downloaded', async () => {
    current = view({ status: 'running', resultCid: null })
    await expect(data.downloadOutputs(TASK)).rejects.toMatchObject({ name: 'ConflictError', message: expect.stringContaining('has not finished (running)') })
    current = view({ resultCid: null })
    await expect(data.downloadOutputs(TASK)).rejects.toMatchObject({ name: 'NotFoundError', message: expect.stringContaining('left no outputs') })
    current = undefined
    await expect(data.downloadOutputs(TASK)).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(data.downloadOutputs(TASK, 'relative')).rejects.toMatchObject({ name: 'ValidationError', field: 'dir' })
  })

  it('fetches my finished task\'s outputs once, into the data dir, and reports progress to the end', async () => {
    data.onMyTaskState(view())
    data.onMyTaskState(view())
    const saved = join(dir, 'outputs', TASK)
    for (let i = 0; i < 50 && data.outputsDir(TASK) === null; i++) await new Promise(resolve => setTimeout(resolve, 20))
    expect(data.outputsDir(TASK)).toBe(saved)
    expect(await readFile(join(saved, 'result.txt'), 'utf8')).toBe('hello')
    expect(fetched).toEqual([CID])
    const progress = events.filter((e): e is Extract<ApiEvent, { type: 'transfer:progress' }> => e.type === 'transfer:progress')
    expect(progress.at(-1)).toEqual({ type: 'transfer:progress', taskId: TASK, direction: 'outputs', bytes: 5, total: 5, done: true })
    expect(events.some(e => e.type === 'task:state' && e.task.outputsDir === saved)).toBe(true)
    // a later start knows they are there
    const again = new TaskData({ store: async () => fakeStore([]), bus: new PeerBus(), outputsRoot: join(dir, 'outputs'), maxOutputBytes: () => undefined, task: async () => current })
    await again.start()
    expect(again.outputsDir(TASK)).toBe(saved)
  })

  it('shows the latest count of a transfer that stalls right after a burst (at most one event per 250 ms, the last one never dropped)', async () => {
    let resume!: () => void
    const stalled = new Promise<void>(resolve => { resume = resolve })
    const store: ContentStore = {
      ...fakeStore([]),
      fetch: async (_cid, o) => {
        for (let bytes = 1; bytes <= 3; bytes++) o?.onProgress?.({ bytes: bytes * 1_000_000, total: 10_000_000 })
        await stalled // the holder went quiet
        return { bytes: 10_000_000 }
      }
    }
    const bus = new PeerBus()
    const seen: Array<Extract<ApiEvent, { type: 'transfer:progress' }>> = []
    bus.on(e => { if (e.type === 'transfer:progress') seen.push(e) })
    const slow = new TaskData({ store: async () => store, bus, outputsRoot: join(dir, 'outputs'), maxOutputBytes: () => undefined, task: async () => current })
    const download = slow.downloadOutputs(TASK, join(dir, 'slow'))
    await new Promise(resolve => setTimeout(resolve, 400))
    expect(seen.map(e => e.bytes)).toEqual([1_000_000, 3_000_000])
    expect(seen.every(e => !e.done)).toBe(true)
    resume()
    await download
    expect(seen.at(-1)).toMatchObject({ bytes: 3_000_000, done: true })
    expect(seen).toHaveLength(3)
  })

  it('puts outputs into a folder of the user\'s beside what is there', async () => {
    const target = join(dir, 'mine')
    await mkdir(target)
    await writeFile(join(target, 'keep.txt'), 'keep')
    expect(await data.downloadOutputs(TASK, target)).toEqual({ taskId: TASK, cid: CID, dir: target, bytes: 5 })
    expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('keep')
    expect(await readFile(join(target, 'result.txt'), 'utf8')).toBe('hello')
  })
})
