import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PausableTimer } from './pausable-timer.js'

describe('PausableTimer', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('fires after its running time, not counting the time it was paused', () => {
    const fired = vi.fn()
    const t = new PausableTimer(1000, fired)
    vi.advanceTimersByTime(600)
    t.pause()
    expect(t.paused).toBe(true)
    vi.advanceTimersByTime(5000)
    expect(fired).not.toHaveBeenCalled()
    t.resume()
    vi.advanceTimersByTime(399)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledTimes(1)
    expect(t.paused).toBe(false)
  })

  it('ignores repeated pause/resume and never fires once cleared', () => {
    const fired = vi.fn()
    const t = new PausableTimer(100, fired)
    t.pause()
    t.pause()
    t.resume()
    t.resume()
    vi.advanceTimersByTime(100)
    expect(fired).toHaveBeenCalledTimes(1)
    const cleared = vi.fn()
    const c = new PausableTimer(100, cleared)
    c.pause()
    c.clear()
    c.resume()
    vi.advanceTimersByTime(1000)
    expect(cleared).not.toHaveBeenCalled()
  })
})
