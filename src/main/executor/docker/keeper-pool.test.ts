// The spare keeper pool with fake containers: a take after the first finds a spare, a dead spare
// is never handed out, spares go after their idle time and at stop, and the pool stays bounded.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type Dockerode from 'dockerode'
import { KeeperPool } from './keeper-pool.js'

function fakeEngine (): { made: string[], removed: string[], dead: Set<string>, pool: (max?: number) => KeeperPool } {
  const made: string[] = []
  const removed: string[] = []
  const dead = new Set<string>()
  const pool = (max?: number): KeeperPool => new KeeperPool({
    make: async () => { const id = `k${made.length + 1}`; made.push(id); return { id } as unknown as Dockerode.Container },
    remove: async c => { removed.push(c.id) },
    alive: async c => !dead.has(c.id),
    max,
    idleMs: 10_000
  })
  return { made, removed, dead, pool }
}

afterEach(() => { vi.useRealTimers() })

describe('KeeperPool', () => {
  it('makes the first keeper on the way, then hands out the spare made meanwhile', async () => {
    const { made, pool } = fakeEngine()
    const p = pool()
    expect((await p.take()).id).toBe('k1') // no spare yet: made for this take
    expect(p.spareIds).toEqual([]) // none made beside the task's start
    p.replenish()
    await vi.waitFor(() => { expect(p.spareIds).toEqual(['k2']) })
    expect((await p.take()).id).toBe('k2')
    expect(p).toMatchObject({ hits: 1, misses: 1 })
    expect(made).toHaveLength(2) // a take makes no spare by itself
    await p.stop()
  })

  it('never hands out a spare that is no longer running, and removes it', async () => {
    const { dead, removed, pool } = fakeEngine()
    const p = pool()
    await p.take()
    p.replenish()
    await vi.waitFor(() => { expect(p.spareIds).toEqual(['k2']) })
    dead.add('k2')
    const k = await p.take()
    expect(k.id).not.toBe('k2')
    await vi.waitFor(() => { expect(removed).toContain('k2') })
    await p.stop()
  })

  it('removes its spares after the idle time and at stop, and keeps none after stop', async () => {
    vi.useFakeTimers()
    const { removed, pool } = fakeEngine()
    const p = pool()
    await p.take()
    p.replenish()
    await vi.advanceTimersByTimeAsync(0)
    expect(p.spareIds).toEqual(['k2'])
    await vi.advanceTimersByTimeAsync(10_001)
    expect(p.spareIds).toEqual([])
    expect(removed).toEqual(['k2'])
    await p.take()
    p.replenish()
    await vi.advanceTimersByTimeAsync(0)
    await p.stop()
    expect(p.spareIds).toEqual([])
    expect(removed).toEqual(['k2', 'k4'])
  })

  it('grows to what is taken at once, never past its bound', async () => {
    const { pool } = fakeEngine()
    const p = pool(2)
    await Promise.all([p.take(), p.take(), p.take(), p.take()])
    for (let i = 0; i < 4; i++) p.replenish()
    await vi.waitFor(() => { expect(p.spareIds).toHaveLength(2) })
    await Promise.all([p.take(), p.take()])
    expect(p.hits).toBe(2)
    expect(p.misses).toBe(4)
    await p.stop()
  })
})
