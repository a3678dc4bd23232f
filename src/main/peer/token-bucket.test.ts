import { describe, expect, it } from 'vitest'
import { TokenBuckets } from './token-bucket.js'

describe('TokenBuckets', () => {
  it('gives a burst, then refills at the rate per minute, up to the burst', () => {
    let now = 0
    const b = new TokenBuckets({ burst: 3, perMinute: 60, now: () => now })
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false])
    expect(b.retryAfterMs('a')).toBe(1000)
    expect(b.take('b')).toBe(true) // keys are independent
    now += 1000
    expect(b.take('a')).toBe(true)
    expect(b.take('a')).toBe(false)
    now += 3_600_000
    expect(b.available('a')).toBe(3)
    expect(b.take('a', 4)).toBe(false)
    expect(b.take('a', 3)).toBe(true)
  })

  it('keeps at most maxKeys buckets; a forgotten key starts full', () => {
    const b = new TokenBuckets({ burst: 1, perMinute: 1, maxKeys: 100, now: () => 0 })
    for (let i = 0; i < 10_000; i++) b.take(`k${i}`)
    expect((b as unknown as { buckets: Map<string, unknown> }).buckets.size).toBe(100)
    expect(b.take('k0')).toBe(true)
    expect(b.take('k9999')).toBe(false)
  })
})
