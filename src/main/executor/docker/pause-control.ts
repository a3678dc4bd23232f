// Suspend/resume of one run: `docker pause` freezes every process of the container at once (the
// desktop owner is back) and the run's timeout clock stops with it. The wanted state is kept even
// before the container starts, so a run suspended while it is still being set up starts paused.
import type Dockerode from 'dockerode'
import type { PausableTimer } from '../pausable-timer.js'
import { statusCode } from './image.js'

interface Live { container: Dockerode.Container, timer: PausableTimer }

export class PauseControl {
  private wantPaused = false
  private paused = false
  private live: Live | undefined
  private over = false
  /** Pause and unpause calls one after the other: a resume never overtakes the suspend before it. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor (private readonly log: (line: string) => void, private readonly callOptions: () => object) {}

  /** True when the run is held (paused, or will be once started). */
  async suspend (): Promise<boolean> {
    if (this.over) return false
    this.wantPaused = true
    return await this.settle()
  }

  /** True when the run is live (or about to start) and not held. */
  async resume (): Promise<boolean> {
    if (this.over) return false
    this.wantPaused = false
    return await this.settle()
  }

  /** The container has started: from now on pause/unpause reach it. */
  async started (container: Dockerode.Container, timer: PausableTimer): Promise<void> {
    this.live = { container, timer }
    await this.settle()
  }

  /** The container exited (or never started): later calls answer false. */
  end (): void {
    this.over = true
    this.live = undefined
  }

  private async settle (): Promise<boolean> {
    const next = this.queue.then(async () => {
      const live = this.live
      // not started yet: the wanted state is applied by started()
      if (live === undefined) return !this.over
      if (this.paused === this.wantPaused) return true
      const pause = this.wantPaused
      try {
        if (pause) await live.container.pause(this.callOptions())
        else await live.container.unpause(this.callOptions())
      } catch (err) {
        // 409: it is no longer running (its exit is on its way); anything else is worth a line
        if (statusCode(err) !== 409) this.log(`could not ${pause ? 'suspend' : 'resume'} the container: ${(err as Error).message}`)
        return false
      }
      this.paused = pause
      // the timeout counts running time only
      if (pause) live.timer.pause()
      else live.timer.resume()
      this.log(pause ? 'suspended: the container is paused' : 'resumed')
      return true
    })
    this.queue = next.catch(() => {})
    return await next
  }
}
