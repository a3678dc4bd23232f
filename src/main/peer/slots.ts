// A counting semaphore: at most `size` holders at once, the others wait in arrival order.
export class Slots {
  private used = 0
  private readonly waiting: Array<() => void> = []

  constructor (private readonly size: number) {}

  /** Waits for a slot; the returned function gives it back (calling it twice is harmless). */
  async acquire (): Promise<() => void> {
    if (this.used < this.size) this.used++
    else await new Promise<void>(resolve => { this.waiting.push(resolve) })
    let released = false
    return () => {
      if (released) return
      released = true
      // The slot passes straight to the next waiter, so `used` only drops when nobody waits.
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.used--
    }
  }

  get pending (): number { return this.waiting.length }
}
