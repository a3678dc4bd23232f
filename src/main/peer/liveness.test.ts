import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Liveness } from './liveness.js'

/** A liveness over fakes that record what went out by gossip and what was written to the DHT. */
function setup (members: () => number) {
  const gossiped: string[] = []
  const written: string[] = []
  const records = {
    sign: async (key: string, value: object) => ({ key, value, bytes: new TextEncoder().encode(key) }),
    put: async (key: string, _v: object, o?: { announce?: (b: Uint8Array) => void }) => { written.push(key); o?.announce?.(new Uint8Array()); return { acks: 1, required: 1 } }
  }
  const gossip = {
    announce: (_b: Uint8Array, kind: string) => { gossiped.push(kind) },
    publish: async (_b: Uint8Array, kind: string) => { gossiped.push(`publish:${kind}`) }
  }
  let seq = 0
  const live = new Liveness({
    peerId: 'me', ttlMs: 10_000, records: records as any, gossip: gossip as any, members, meta: () => ({ seq: ++seq }), seqFloor: () => ++seq
  })
  return { live, gossiped, written }
}

describe('Liveness', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers(); vi.restoreAllMocks() })

  it('beats once per ttl in a small organisation, and less often in a large one (bounded beats per peer)', async () => {
    let n = 5
    const { live, gossiped } = setup(() => n)
    live.start()
    await vi.advanceTimersByTimeAsync(100)
    expect(gossiped).toEqual(['node-meta']) // the first meta goes out at once
    gossiped.length = 0
    await vi.advanceTimersByTimeAsync(60_000)
    // ±10 % jitter around 10 s: 5 or 6 beats in a minute.
    expect(gossiped.length).toBeGreaterThanOrEqual(5)
    expect(gossiped.length).toBeLessThanOrEqual(7)
    n = 100
    await vi.advanceTimersByTimeAsync(12_000) // the beat already scheduled
    gossiped.length = 0
    await vi.advanceTimersByTimeAsync(120_000)
    // 100 members: one beat every 40 s.
    expect(gossiped.length).toBeGreaterThanOrEqual(2)
    expect(gossiped.length).toBeLessThanOrEqual(4)
    live.stop()
  })

  it('writes the node records to the DHT only now and then, not every beat', async () => {
    const { live, written } = setup(() => 3)
    live.start()
    await vi.advanceTimersByTimeAsync(15_000)
    expect(written.sort()).toEqual(['/mc/node/me/lease', '/mc/node/me/meta'].sort())
    await vi.advanceTimersByTimeAsync(4 * 60_000)
    expect(written.length).toBe(2)
    await vi.advanceTimersByTimeAsync(70_000)
    expect(written.length).toBe(4)
    live.stop()
  })

  it('after a goodbye nothing more goes out until the hello', async () => {
    // No jitter: a beat falling inside the 100 ms after the hello would add a third record.
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { live, gossiped } = setup(() => 3)
    live.start()
    await vi.advanceTimersByTimeAsync(100)
    const bye = live.goodbye()
    await vi.advanceTimersByTimeAsync(1000)
    await bye
    expect(gossiped.at(-1)).toBe('publish:node-lease')
    gossiped.length = 0
    live.announceMeta()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(gossiped).toEqual([])
    live.hello()
    await vi.advanceTimersByTimeAsync(100)
    expect(gossiped).toEqual(['node-lease', 'node-meta'])
    live.stop()
  })
})
