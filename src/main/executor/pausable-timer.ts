// A one-shot timer whose clock can be stopped: a task's timeout (and a simulated run's length)
// counts running time only, so the time a run spends suspended is not held against it.
export class PausableTimer {
  private remainingMs: number
  private resumedAt = 0
  private handle: NodeJS.Timeout | undefined
  private finished = false

  /** Starts counting at once; `onFire` runs after `ms` of unpaused time, unless cleared. */
  constructor (ms: number, private readonly onFire: () => void) {
    this.remainingMs = ms
    this.resume()
  }

  get paused (): boolean { return !this.finished && this.handle === undefined }

  /** Stops the clock, keeping what is left; no-op when paused, fired or cleared. */
  pause (): void {
    if (this.handle === undefined) return
    clearTimeout(this.handle)
    this.handle = undefined
    this.remainingMs = Math.max(0, this.remainingMs - (performance.now() - this.resumedAt))
  }

  /** Lets the clock run again with the time that was left; no-op when running, fired or cleared. */
  resume (): void {
    if (this.handle !== undefined || this.finished) return
    this.resumedAt = performance.now()
    this.handle = setTimeout(() => {
      this.handle = undefined
      this.finished = true
      this.onFire()
    }, this.remainingMs)
  }

  clear (): void {
    clearTimeout(this.handle)
    this.handle = undefined
    this.finished = true
  }
}
