import { describe, expect, it } from 'vitest'
import { beatIntervalMs, Membership, membershipWindowMs } from './membership.js'

/** A connection list that tells the membership of each change, as libp2p's connect / disconnect events do. */
class Connections extends Set<string> {
  onChange = (): void => {}
  override add (id: string): this { super.add(id); this.onChange(); return this }
  override delete (id: string): boolean { const had = super.delete(id); this.onChange(); return had }
  override clear (): void { super.clear(); this.onChange() }
}

/** A membership over a connection list the test changes, on a clock the test moves. */
function setup (windowMs = 60_000) {
  let now = 0
  const connected = new Connections()
  const m = new Membership('me', () => connected, { windowMs, clock: () => now })
  connected.onChange = () => { m.connectionsChanged() }
  return { m, connected, advance: (ms: number) => { now += ms } }
}

describe('Membership', () => {
  it('a lone peer, and a fully connected organisation, have the majority', () => {
    const { m, connected } = setup()
    expect(m.view()).toEqual({ reachable: 1, known: 1, majority: true })
    for (const id of ['a', 'b', 'c']) connected.add(id)
    expect(m.view()).toEqual({ reachable: 4, known: 4, majority: true })
  })

  it('members cut off still count for the window: an even split has no majority on either side, an uneven one on the larger side only', () => {
    const { m, connected, advance } = setup()
    for (let i = 0; i < 9; i++) connected.add(`p${i}`)
    expect(m.view().known).toBe(10)
    // Split 5 | 5: I keep 4 others.
    for (let i = 4; i < 9; i++) connected.delete(`p${i}`)
    expect(m.view()).toEqual({ reachable: 5, known: 10, majority: false })
    // One of the cut-off members comes back: 6 of 10.
    connected.add('p4')
    expect(m.view()).toEqual({ reachable: 6, known: 10, majority: true })
    advance(59_000)
    expect(m.view().known).toBe(10)
  })

  it('a member unseen for longer than the window is forgotten: survivors of a mass crash resume after it', () => {
    const { m, connected, advance } = setup(30_000)
    for (const id of ['a', 'b', 'c', 'd']) connected.add(id)
    m.view()
    connected.clear()
    connected.add('a')
    expect(m.hasMajority()).toBe(false)
    advance(20_000)
    // Gossip from c (reached through a relay) keeps it a member, without making it reachable.
    m.seen('c')
    advance(15_000)
    expect(m.view()).toEqual({ reachable: 2, known: 3, majority: true })
    advance(20_000)
    expect(m.view()).toEqual({ reachable: 2, known: 2, majority: true })
  })

  it('a member the owner shuts out is forgotten at once, not after the window; admitted again, it counts again', () => {
    const { m, connected } = setup()
    connected.add('a')
    m.view()
    connected.delete('a')
    expect(m.view()).toEqual({ reachable: 1, known: 2, majority: false })
    m.forget('a')
    expect(m.view()).toEqual({ reachable: 1, known: 1, majority: true })
    connected.add('a')
    expect(m.view()).toEqual({ reachable: 2, known: 2, majority: true })
  })

  it('a goodbye removes the member at once, even while its connection is still closing; seen again, it counts again', () => {
    const { m, connected } = setup()
    connected.add('a')
    connected.add('b')
    m.view()
    m.left('b', 100)
    expect(m.view()).toEqual({ reachable: 2, known: 2, majority: true })
    // A record b signed before its goodbye, arriving late by another gossip path.
    m.seen('b', 99)
    connected.delete('b')
    connected.delete('a')
    expect(m.view()).toEqual({ reachable: 1, known: 2, majority: false })
    m.seen('b', 101)
    connected.add('b')
    expect(m.view()).toEqual({ reachable: 2, known: 3, majority: true })
  })

  it('knows a member once heard or connected, and no longer after its goodbye (a newcomer gets this peer\'s meta)', () => {
    const { m, connected } = setup()
    expect(m.knows('a')).toBe(false)
    m.seen('a')
    expect(m.knows('a')).toBe(true)
    connected.add('b')
    m.view()
    expect(m.knows('b')).toBe(true)
    m.left('a', 5)
    expect(m.knows('a')).toBe(false)
  })

  it('never counts itself twice', () => {
    const { m, connected } = setup()
    m.seen('me')
    connected.add('me')
    expect(m.view()).toEqual({ reachable: 1, known: 1, majority: true })
  })

  it('tells how long the majority has been back, so a healed side can wait before it claims', () => {
    const { m, connected, advance } = setup()
    for (const id of ['a', 'b', 'c', 'd']) connected.add(id)
    expect(m.majorityForMs()).toBe(Number.POSITIVE_INFINITY)
    connected.delete('a'); connected.delete('b'); connected.delete('c')
    expect(m.majorityForMs()).toBe(0)
    advance(5000)
    connected.add('a'); connected.add('b')
    expect(m.majorityForMs()).toBe(0)
    advance(1500)
    expect(m.majorityForMs()).toBe(1500)
  })

  it('lists the members replicas are chosen from: connected and recently seen ones, not those that said goodbye or were forgotten', () => {
    const { m, connected, advance } = setup(10_000)
    connected.add('a'); connected.add('b')
    m.seen('c', 1)
    m.left('b', 5)
    expect([...m.members()].sort()).toEqual(['a', 'c', 'me'])
    connected.delete('a')
    advance(11_000)
    expect([...m.members()].sort()).toEqual(['me'])
  })

  it('beats are spaced by the organisation size, so each peer receives a bounded number a second; the window follows', () => {
    expect(beatIntervalMs(10_000, 5)).toBe(10_000)
    expect(beatIntervalMs(10_000, 100)).toBe(40_000)
    expect(beatIntervalMs(3_000, 20)).toBe(8_000)
    for (const n of [10, 50, 100, 500, 5000]) {
      // N members each beating every interval: what one peer receives a second.
      expect(n / (beatIntervalMs(10_000, n) / 1000)).toBeLessThanOrEqual(2.5)
      // A member is forgotten only after several missed beats, never within a minute.
      expect(membershipWindowMs(10_000, n)).toBeGreaterThanOrEqual(Math.max(60_000, 3 * beatIntervalMs(10_000, n)))
    }
  })

  it('a window given as a function is read again each time: a member is kept longer once the organisation grew', () => {
    let now = 0
    let windowMs = 60_000
    const connected = new Connections()
    connected.add('a')
    const m = new Membership('me', () => connected, { windowMs: () => windowMs, clock: () => now })
    connected.onChange = () => { m.connectionsChanged() }
    expect(m.view().known).toBe(2)
    connected.clear()
    now += 90_000
    windowMs = 120_000
    expect(m.view()).toEqual({ reachable: 1, known: 2, majority: false })
    expect(m.size()).toBe(2)
    windowMs = 60_000
    now += 1000
    expect(m.view()).toEqual({ reachable: 1, known: 1, majority: true })
  })

  it('members and connected peers follow every connection change, goodbye and newcomer at once', () => {
    const { m, connected } = setup()
    connected.add('a')
    expect([...m.members()].sort()).toEqual(['a', 'me'])
    expect([...m.connectedIds()]).toEqual(['a'])
    connected.add('b')
    expect([...m.members()].sort()).toEqual(['a', 'b', 'me'])
    expect([...m.connectedIds()].sort()).toEqual(['a', 'b'])
    m.seen('c')
    expect(m.members().has('c')).toBe(true)
    m.left('c', 5)
    expect(m.members().has('c')).toBe(false)
  })

  it('a connection change libp2p did not announce shows in the connected peers within a second', () => {
    let now = 0
    const quiet = new Set(['a'])
    const m = new Membership('me', () => quiet, { clock: () => now })
    expect([...m.connectedIds()]).toEqual(['a'])
    quiet.add('z')
    now += 999
    expect(m.connectedIds().has('z')).toBe(false)
    now += 1
    expect(m.connectedIds().has('z')).toBe(true)
    // The majority a lease write asks for never waits for any event or cache.
    expect(m.hasMajority()).toBe(true)
    quiet.clear()
    expect(m.hasMajority()).toBe(false)
  })
})
