// The mirror's catch-up logic with a fake store and DHT: reads run side by side, a task that
// could not be read is read again a few seconds later, and a known spec is not fetched again.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TaskSpec, TaskState } from '../../shared/index.js'
import type { OpenedRecord } from '../records/index.js'
import type { ControlStore } from './control-store.js'
import { Mirror } from './mirror.js'

const state = (taskId: string): OpenedRecord<'task-state'> => ({
  value: { taskId, status: 'succeeded', epoch: 1 } as unknown as TaskState, sigHash: `sig-${taskId}`
} as unknown as OpenedRecord<'task-state'>)

function fakeStore (open: Array<{ id: string, hasSpec: boolean }>): { store: ControlStore, applied: string[], specs: string[] } {
  const applied: string[] = []
  const specs: string[] = []
  const store = {
    openTasks: async () => open,
    openTaskIds: async () => open.map(t => t.id),
    // Like the real store: a row moves only the first time it sees this record.
    applyState: async (s: TaskState) => { const moved = !applied.includes(s.taskId); applied.push(s.taskId); return moved },
    applySpec: async (id: string) => { specs.push(id) }
  } as unknown as ControlStore
  return { store, applied, specs }
}

afterEach(() => { vi.useRealTimers() })

describe('Mirror.reconcile', () => {
  it('after a start, passes follow each other until one finds nothing to change', async () => {
    vi.useFakeTimers()
    const { store, applied } = fakeStore([{ id: 'a', hasSpec: true }])
    // The first read reaches a replica with an older copy; later ones see the newer record.
    let reads = 0
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => [],
      readTask: async (id) => {
        reads++
        const rec = state(id)
        return { state: { ...rec, sigHash: reads === 1 ? 'old' : 'new' } as typeof rec }
      }
    })
    ;(store as unknown as { applyState: (s: TaskState, sig: string) => Promise<boolean> }).applyState = async (s, sig) => {
      const key = `${s.taskId}/${sig}`
      const moved = !applied.includes(key)
      applied.push(key)
      return moved
    }
    await mirror.reconcile()
    await vi.advanceTimersByTimeAsync(3100)
    expect(applied).toContain('a/new')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(reads).toBe(3) // old → new → nothing moved: stop
    mirror.stop()
  })

  it('reads several tasks at once', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `t${i}`)
    const { store, applied } = fakeStore(ids.map(id => ({ id, hasSpec: true })))
    let inFlight = 0
    let most = 0
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => [],
      readTask: async (id) => {
        most = Math.max(most, ++inFlight)
        await new Promise(resolve => setTimeout(resolve, 20))
        inFlight--
        return { state: state(id) }
      }
    })
    expect(await mirror.reconcile()).toBe(16)
    expect(applied.sort()).toEqual([...ids].sort())
    expect(most).toBeGreaterThan(1)
    mirror.stop()
  })

  it('fetches a spec only for tasks whose spec the database lacks', async () => {
    const { store } = fakeStore([{ id: 'a', hasSpec: true }, { id: 'b', hasSpec: false }])
    const asked: Array<[string, boolean]> = []
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => ['c'],
      readTask: async (id, withSpec) => { asked.push([id, withSpec]); return { state: state(id), spec: withSpec ? ({} as TaskSpec) : undefined } }
    })
    await mirror.reconcile()
    expect(asked.sort()).toEqual([['a', false], ['b', true], ['c', true]])
    mirror.stop()
  })

  it('a task no replica answered for is read again a few seconds later', async () => {
    vi.useFakeTimers()
    const { store, applied } = fakeStore([{ id: 'x', hasSpec: true }, { id: 'y', hasSpec: true }])
    let yReads = 0
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => [],
      readTask: async (id) => {
        if (id === 'y' && ++yReads === 1) return {} // not found yet: the peer has just started
        return { state: state(id) }
      }
    })
    await mirror.reconcile()
    expect(applied).toEqual(['x'])
    expect(mirror.unread).toBe(1)
    await vi.advanceTimersByTimeAsync(3100)
    expect(applied).toContain('y')
    expect(mirror.unread).toBe(0)
    // Catching up (just started): one more pass confirms nothing moves any more, then they stop.
    await vi.advanceTimersByTimeAsync(10_000)
    const reads = yReads
    expect(reads).toBeLessThanOrEqual(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(yReads).toBe(reads)
    mirror.stop()
  })

  it('reads a spec the gossip did not bring again until it is found, so no row stays without its image', async () => {
    vi.useFakeTimers()
    const { store, specs } = fakeStore([])
    let specReads = 0
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => [],
      // A newcomer's first reads find no replica with the spec yet.
      readTask: async (id, withSpec) => {
        if (withSpec) specReads++
        return { spec: withSpec && specReads >= 3 ? { image: 'busybox' } as unknown as TaskSpec : undefined }
      }
    })
    mirror.onRecord({ parsed: { kind: 'task-state', id: 'a' }, value: { taskId: 'a', status: 'succeeded', epoch: 1 }, sigHash: 's' } as unknown as OpenedRecord)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(specs).toEqual(['a'])
    expect(specReads).toBe(3)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(specReads).toBe(3) // found: never read again
    mirror.stop()
  })

  it('re-reads an open task the gossip went quiet on, and ever more rarely while nothing changes', async () => {
    vi.useFakeTimers()
    const { store } = fakeStore([])
    const statuses: string[] = []
    ;(store as unknown as { applyState: (s: TaskState) => Promise<boolean> }).applyState = async (s) => { statuses.push(`${s.taskId}:${s.status}`); return true }
    const rec = (taskId: string, status: string, seq: number): OpenedRecord => ({
      parsed: { kind: 'task-state', id: taskId }, sigHash: `${taskId}-${seq}`,
      value: { taskId, status, epoch: status === 'queued' ? 0 : 1, seq, ttlMs: 2000 }
    } as unknown as OpenedRecord)
    const reads: Record<string, number> = { done: 0, waiting: 0 }
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => [],
      // 'done' finished while this peer heard only its lease; 'waiting' really stays queued.
      readTask: async (id, withSpec) => {
        reads[id]!++
        return { state: id === 'done' ? rec('done', 'succeeded', 2) as OpenedRecord<'task-state'> : rec('waiting', 'queued', 0) as OpenedRecord<'task-state'>, spec: withSpec ? {} as TaskSpec : undefined }
      }
    })
    mirror.onRecord(rec('done', 'leased', 0))
    mirror.onRecord(rec('waiting', 'queued', 0))
    await vi.advanceTimersByTimeAsync(2500)
    expect(statuses).not.toContain('done:succeeded') // 1.5 ttl not yet over: heartbeats may still come
    await vi.advanceTimersByTimeAsync(1000)
    expect(statuses).toContain('done:succeeded')
    const doneReads = reads.done!
    await vi.advanceTimersByTimeAsync(120_000)
    expect(reads.done).toBe(doneReads) // finished: never read for silence again
    // One read for its spec, then for silence 3 s, 6, 12, 24 and 48 s after the previous: 6 reads in two minutes, not 40.
    expect(reads.waiting).toBe(6)
    expect(mirror.silentRepairs).toBe(1)
    mirror.stop()
  })

  it('a reconcile that reads the same state again does not restart the silence back-off', async () => {
    vi.useFakeTimers()
    const { store } = fakeStore([])
    let reads = 0
    const queued = { parsed: { kind: 'task-state', id: 'q' }, sigHash: 'q-0', value: { taskId: 'q', status: 'queued', epoch: 0, seq: 0, ttlMs: 2000 } } as unknown as OpenedRecord
    const mirror = new Mirror({
      store,
      knownTaskIds: async () => ['q'],
      readTask: async (_id, withSpec) => { reads++; return { state: queued as OpenedRecord<'task-state'>, spec: withSpec ? {} as TaskSpec : undefined } }
    })
    mirror.onRecord(queued)
    // a periodic reconcile every 10 s reads it anyway; silence reads come on top, ever more rarely
    for (let t = 0; t < 12; t++) { await vi.advanceTimersByTimeAsync(10_000); await mirror.reconcile() }
    expect(reads).toBeLessThanOrEqual(1 + 12 + 5)
    mirror.stop()
  })
})
