import { describe, expect, it } from 'vitest'
import { claimDelayMs } from './claim-delay.js'

const base = { rank: 0, orphan: false, stepMs: 200, backoffMs: 200, othersWithRoom: 0, jitterMs: 20, random: () => 0.5 }

describe('claimDelayMs', () => {
  it('waits one step per rank, a quarter step for orphans, plus jitter', () => {
    expect(claimDelayMs({ ...base, rank: 2, backoffMs: 0 })).toBe(410)
    expect(claimDelayMs({ ...base, rank: 2, backoffMs: 0, orphan: true })).toBe(110)
  })

  it('a busy peer lets others with room go first', () => {
    expect(claimDelayMs({ ...base, othersWithRoom: 1 })).toBe(210)
  })

  it('an orphan (its lease expired: recovery time counts) is claimed without the load back-off', () => {
    expect(claimDelayMs({ ...base, othersWithRoom: 1, orphan: true })).toBe(10)
  })

  it('when no other provider has room, a busy peer does not wait for nobody', () => {
    expect(claimDelayMs({ ...base, othersWithRoom: 0 })).toBe(10)
  })
})
