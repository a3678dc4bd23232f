// Submit's abuse limits (issue 7): the posting rate of this peer's own API, and specs too big to be
// a record, both refused with an error naming the limit or field before anything is published.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_RECORD_BYTES, type TaskState } from '../../shared/index.js'
import { toErrorResponse } from '../api/index.js'
import type { LeaseEngine } from '../lease/index.js'
import { openRecord, signRecord, type OpenedRecord, type RecordStore } from '../records/index.js'
import { TaskBook, type Scheduler } from '../scheduler/index.js'
import { PeerBus } from './bus.js'
import { TaskService } from './task-service.js'

const PEER = '12D3KooWSubmitterSubmitterSubmitterSubmitterSub1'

function service (init: { postBurst?: number, postPerMinute?: number } = {}): { tasks: TaskService, puts: string[], book: TaskBook } {
  const puts: string[] = []
  const book = new TaskBook()
  const records = { put: async (key: string) => { puts.push(key); return { acks: 0, required: 0 } } } as unknown as RecordStore
  const leases = { ttlMs: 3000 } as unknown as LeaseEngine
  const scheduler = { tick: () => {}, isRunning: () => false, runningSince: () => null } as unknown as Scheduler
  const tasks = new TaskService({ records, leases, book, scheduler, bus: new PeerBus(), peerId: PEER, name: 'me', announce: () => {} }, init)
  return { tasks, puts, book }
}

async function failure (p: Promise<unknown>): Promise<Error & { field?: string }> {
  try { await p } catch (err) { return err as Error & { field?: string } }
  throw new Error('expected a refusal')
}

describe('TaskService.submit limits', () => {
  it('refuses tasks beyond the posting limit with a 429 naming it, and publishes none of them', async () => {
    const { tasks, puts } = service({ postBurst: 5, postPerMinute: 60 })
    for (let i = 0; i < 5; i++) await tasks.submit({ image: 'busybox', command: ['echo', String(i)] })
    expect(puts).toHaveLength(10) // spec + state each
    const err = await failure(tasks.submit({ image: 'busybox', command: ['true'] }))
    expect(err.name).toBe('TooManyRequestsError')
    expect(err.message).toMatch(/task posting limit reached \(5 at once, then 60 per minute\): try again in 1 s/)
    expect(toErrorResponse(err).status).toBe(429)
    expect(toErrorResponse(err).headers).toEqual({ 'Retry-After': '1' })
    expect(toErrorResponse(err).body.error).toMatchObject({ name: 'TooManyRequestsError', field: 'rate' })
    expect(puts).toHaveLength(10)
    tasks.stop()
  })

  it('refuses a spec that would be a record bigger than peers accept, naming the field, before it is in the book', async () => {
    const { tasks, puts, book } = service()
    // each string within its 4 KiB limit, 8 of them: over 16 KiB as a signed record
    const err = await failure(tasks.submit({ image: 'busybox', command: Array.from({ length: 8 }, () => 'x'.repeat(4000)) }))
    expect(err.name).toBe('ValidationError')
    expect(err.field).toBe('command')
    expect(err.message).toContain(`more than the ${MAX_RECORD_BYTES} bytes`)
    const envErr = await failure(tasks.submit({ image: 'busybox', command: ['true'], env: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`V${i}`, 'y'.repeat(4000)])) }))
    expect(envErr.field).toBe('env')
    expect(book.size).toBe(0)
    expect(puts).toEqual([])
    // just under the limit is fine
    await tasks.submit({ image: 'busybox', command: Array.from({ length: 2 }, () => 'x'.repeat(4000)) })
    expect(puts).toHaveLength(2)
    tasks.stop()
  })
})

describe('fuzz: TaskService.submit', () => {
  it('either publishes a spec every peer accepts or refuses naming a field, never an internal error (10000 runs)', async () => {
    const key = await generateKeyPair('Ed25519')
    const me = peerIdFromPrivateKey(key).toString()
    const book = new TaskBook()
    // the real signing and the full check every replica runs: a spec that passes submit must open
    const records = { put: async (k: string, value: unknown) => { await openRecord(await signRecord(key, me, k, value), k); return { acks: 0, required: 0 } } } as unknown as RecordStore
    const tasks = new TaskService({
      records, leases: { ttlMs: 3000 } as unknown as LeaseEngine, book, bus: new PeerBus(), peerId: me, name: 'me', announce: () => {},
      scheduler: { tick: () => {}, isRunning: () => false, runningSince: () => null } as unknown as Scheduler
    }, { postBurst: 1e9, postPerMinute: 1e9 })
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.tuple(fc.nat(4200), fc.string({ minLength: 1, maxLength: 1 })).map(([n, c]) => c.repeat(n)))
    const request = fc.record({
      image: fc.oneof(fc.constant('busybox'), text),
      command: fc.array(text, { maxLength: 12 }),
      env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), text, { maxKeys: 6 }),
      cpu: fc.oneof(fc.constant(1), fc.double()),
      memoryMb: fc.oneof(fc.constant(64), fc.integer())
    }, { requiredKeys: ['image', 'command'] })
    await fc.assert(fc.asyncProperty(request, async (req) => {
      const size = book.size
      try {
        await tasks.submit(req)
        expect(book.size).toBe(size + 1)
      } catch (err) {
        const e = err as Error & { field?: string }
        expect(e.name).toBe('ValidationError')
        expect(typeof e.field).toBe('string')
        expect(e.message.startsWith(`${e.field!}`)).toBe(true)
        expect(book.size).toBe(size) // nothing half-submitted
      }
    }), { numRuns: 10_000 })
    tasks.stop()
  }, 60_000)
})

describe('TaskService.refreshMine', () => {
  const TTL = 1000
  function quietService (): { tasks: TaskService, book: TaskBook, puts: Array<{ key: string, value: TaskState }>, announced: () => number } {
    const puts: Array<{ key: string, value: TaskState }> = []
    let announced = 0
    const book = new TaskBook()
    // Task states only: the submitter's index is written on its own timer.
    const records = {
      put: async (key: string, value: TaskState, o: { announce?: unknown }) => {
        if (key.startsWith('/mc/task/') && key.endsWith('/state')) { puts.push({ key, value }); if (o.announce !== undefined) announced++ }
        return { acks: 1, required: 1 }
      }
    } as unknown as RecordStore
    // The quorum read finds what the book holds (the real read feeds the book the same way).
    const leases = { ttlMs: TTL, readState: async () => ({}), watcher: { observe: () => {} } } as unknown as LeaseEngine
    const scheduler = { tick: () => {}, onState: () => {}, isRunning: () => false, runningSince: () => null } as unknown as Scheduler
    const tasks = new TaskService({ records, leases, book, scheduler, bus: new PeerBus(), peerId: PEER, name: 'me', announce: () => {} })
    return { tasks, book, puts, announced: () => announced }
  }
  const seen = (tasks: TaskService, state: TaskState): void => {
    tasks.onRecord({ parsed: { kind: 'task-state', id: state.taskId }, value: state } as unknown as OpenedRecord)
  }
  afterEach(() => { vi.useRealTimers() })

  it('posts a task nobody claimed again after four quiet lease periods, with the next seq, and only then', async () => {
    vi.useFakeTimers()
    const { tasks, book, puts, announced } = quietService()
    const { taskId } = await tasks.submit({ image: 'busybox', command: ['true'] })
    const queued = book.get(taskId)!.state
    seen(tasks, queued)
    puts.length = 0
    vi.advanceTimersByTime(3 * TTL)
    await tasks.refreshMine()
    expect(puts).toEqual([]) // quiet, but not for long enough: only re-read
    vi.advanceTimersByTime(TTL)
    await tasks.refreshMine()
    expect(puts).toHaveLength(1)
    expect(puts[0]!.key).toBe(`/mc/task/${taskId}/state`)
    expect(puts[0]!.value).toMatchObject({ status: 'queued', epoch: 0, holder: null, seq: queued.seq + 1 })
    expect(announced()).toBeGreaterThan(0)
    tasks.stop()
  })

  it('never posts a task again while its first post is still being written', async () => {
    vi.useFakeTimers()
    const { tasks, book, puts } = quietService()
    // The spec's write hangs (no acknowledgement yet) while a refresh round comes.
    let specWritten: () => void = () => {}
    const records = (tasks as unknown as { c: { records: { put: (...a: unknown[]) => Promise<unknown> } } }).c.records
    const put = records.put
    records.put = async (...a: unknown[]) => {
      if (String(a[0]).endsWith('/spec')) await new Promise<void>(resolve => { specWritten = resolve })
      return await put(...a)
    }
    const submitted = tasks.submit({ image: 'busybox', command: ['true'] })
    await vi.advanceTimersByTimeAsync(10 * TTL)
    await tasks.refreshMine()
    specWritten()
    const { taskId } = await submitted
    expect(puts.map(p => p.value.seq)).toEqual([0]) // only the submit's own queued state
    expect(book.get(taskId)!.state.seq).toBe(0)
    tasks.stop()
  })

  it('never posts again a task that was claimed or cancelled', async () => {
    vi.useFakeTimers()
    const { tasks, book, puts } = quietService()
    const claimed = (await tasks.submit({ image: 'busybox', command: ['true'] })).taskId
    const cancelled = (await tasks.submit({ image: 'busybox', command: ['false'] })).taskId
    const state = book.get(claimed)!.state
    seen(tasks, { ...state, status: 'leased', epoch: 1, holder: '12D3KooWHolderHolderHolderHolderHolderHolderHold1', attempts: 1 })
    book.markCancelled(cancelled)
    puts.length = 0
    vi.advanceTimersByTime(10 * TTL)
    await tasks.refreshMine()
    expect(puts).toEqual([])
    tasks.stop()
  })
})
