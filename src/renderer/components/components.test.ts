// The pure parts of components: virtual-list windows, chart points, tab keys.
import { describe, expect, it } from 'vitest'
import { polylinePoints } from './chart-math.js'
import { tabsFor } from '../store/state.js'
import { tabForKey } from './tab-keys.js'
import { isAtBottom, rowWindow } from './virtual-window.js'

describe('virtual list window', () => {
  const base = { rowHeight: 20, viewportHeight: 100, overscan: 2 }
  it('renders the visible rows plus overscan, clamped to the list', () => {
    expect(rowWindow({ ...base, scrollTop: 0, count: 1000 })).toEqual({ start: 0, end: 7, offset: 0, totalHeight: 20_000 })
    expect(rowWindow({ ...base, scrollTop: 210, count: 1000 })).toEqual({ start: 8, end: 18, offset: 160, totalHeight: 20_000 })
    expect(rowWindow({ ...base, scrollTop: 19_900, count: 1000 })).toMatchObject({ start: 993, end: 1000 })
    expect(rowWindow({ ...base, scrollTop: 0, count: 0 })).toEqual({ start: 0, end: 0, offset: 0, totalHeight: 0 })
  })

  it('renders a bounded slice of 100,000 lines wherever it is scrolled', () => {
    for (const scrollTop of [0, 1_000_000, 1_999_900, 5e9]) {
      const w = rowWindow({ ...base, scrollTop, count: 100_000, overscan: 20 })
      expect(w.end - w.start).toBeLessThanOrEqual(100 / 20 + 1 + 40)
      expect(w.end).toBeLessThanOrEqual(100_000)
      expect(w.start).toBeGreaterThanOrEqual(0)
    }
  })

  it('follows while at the bottom (within slack)', () => {
    expect(isAtBottom(900, 100, 1000)).toBe(true)
    expect(isAtBottom(897, 100, 1000)).toBe(true)
    expect(isAtBottom(850, 100, 1000)).toBe(false)
  })
})

describe('chart points', () => {
  it('spreads the window over the width and scales values, clipping above max', () => {
    const samples = [{ at: 0, v: 0 }, { at: 50, v: 1 }, { at: 100, v: 4 }, { at: -10, v: 1 }]
    expect(polylinePoints(samples, (s) => s.v, 2, 100, 100, { width: 200, height: 40 })).toBe('0,40 100,20 200,0')
    expect(polylinePoints([{ at: 100, v: 1 }], (s) => s.v, 0, 100, 100, { width: 10, height: 10 })).toBe('10,0')
  })
})

describe('tab keys', () => {
  it('moves with arrows (wrapping) and jumps with Home/End', () => {
    expect(tabForKey('ArrowRight', 'lending')).toBe('borrowing')
    expect(tabForKey('ArrowDown', 'settings')).toBe('lending')
    expect(tabForKey('ArrowUp', 'lending')).toBe('settings')
    expect(tabForKey('ArrowLeft', 'network')).toBe('borrowing')
    expect(tabForKey('End', 'lending')).toBe('settings')
    expect(tabForKey('Home', 'network')).toBe('lending')
    expect(tabForKey('Enter', 'network')).toBeUndefined()
  })

  it('puts the Dashboard first on a control peer only, and the keys move through it', () => {
    expect(tabsFor('peer')).toEqual(['lending', 'borrowing', 'network', 'settings'])
    expect(tabsFor(undefined)).toEqual(['lending', 'borrowing', 'network', 'settings'])
    const control = tabsFor('control')
    expect(control[0]).toBe('dashboard')
    expect(tabForKey('Home', 'network', control)).toBe('dashboard')
    expect(tabForKey('ArrowDown', 'settings', control)).toBe('dashboard')
    expect(tabForKey('ArrowUp', 'dashboard', control)).toBe('settings')
    expect(tabForKey('ArrowDown', 'dashboard', control)).toBe('lending')
  })
})
