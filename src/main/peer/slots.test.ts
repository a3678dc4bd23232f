import { describe, expect, it } from 'vitest'
import { Slots } from './slots.js'

describe('Slots', () => {
  it('lets `size` holders in at once and the rest in arrival order', async () => {
    const slots = new Slots(2)
    const order: number[] = []
    const releases = await Promise.all([slots.acquire(), slots.acquire()])
    const later = [3, 4].map(async n => { const release = await slots.acquire(); order.push(n); return release })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(order).toEqual([])
    expect(slots.pending).toBe(2)
    releases[0]!()
    releases[0]!() // twice: still one slot given back
    const third = await later[0]!
    expect(order).toEqual([3])
    releases[1]!()
    await later[1]
    expect(order).toEqual([3, 4])
    third()
    expect(slots.pending).toBe(0)
  })
})
