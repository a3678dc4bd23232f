// One client of the live log relay: its frames in order, the run it follows, and its end.
import { isTerminal, type LogStreamFrame, type TaskView } from '../../shared/index.js'
import { isHeld, untilAborted, type Follow, type LogRelay } from './log-relay.js'

export class RelaySession {
  private follow: Follow | undefined
  private shown: { epoch: number, holder: string | null } | undefined
  private epoch = -1
  private ending = false
  private closed = false
  private readonly offs: Array<() => void> = []
  private finish: () => void = () => {}

  constructor (
    private readonly relay: LogRelay,
    private readonly taskId: string,
    private readonly onFrame: (frame: LogStreamFrame) => void,
    private readonly signal: AbortSignal
  ) {}

  /** Resolves once the 'end' frame went out, or the client or the relay stopped. */
  async run (first: TaskView): Promise<void> {
    const done = new Promise<void>(resolve => { this.finish = resolve })
    if (this.signal.aborted) return
    const c = this.relay.c
    const onAbort = (): void => { this.close() }
    this.signal.addEventListener('abort', onAbort, { once: true })
    this.offs.push(() => { this.signal.removeEventListener('abort', onAbort) })
    this.offs.push(c.onLine(line => { if (line.taskId === this.taskId && !this.closed) this.onFrame({ type: 'line', line }) }))
    this.offs.push(c.onTaskState(task => { if (task.taskId === this.taskId) this.onState(task) }))
    // Taken right after subscribing: every earlier line is in the book, every later one comes to the listener.
    this.show(first)
    for (const line of c.lines(this.taskId)) {
      if (this.closed) break
      this.onFrame({ type: 'line', line })
    }
    this.onState(first)
    await done
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    for (const off of this.offs) off()
    this.use(undefined)
    this.finish()
  }

  private onState (task: TaskView): void {
    if (this.closed || this.ending || task.epoch < this.epoch) return
    this.epoch = task.epoch
    this.show(task)
    if (isTerminal(task.status)) {
      void this.end(task)
    } else if (isHeld(task) && task.holder !== null) {
      this.use(this.relay.acquire(this.taskId, task.epoch, task.holder))
    } else if (this.follow !== undefined) {
      // Handed back: its holder still sends the run's last lines, for a bounded time.
      this.relay.settle(this.follow)
    }
  }

  /** Fetches what is missing of the last run (bounded), then the 'end' frame. */
  private async end (task: TaskView): Promise<void> {
    this.ending = true
    const last = task.holder === null ? undefined : this.relay.acquire(this.taskId, task.epoch, task.holder)
    this.use(last)
    if (last !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>(resolve => { timer = setTimeout(resolve, this.relay.finalWaitMs) })
      await untilAborted(Promise.race([last.done, deadline]), this.signal)
      clearTimeout(timer)
    }
    if (this.closed) return
    this.onFrame({ type: 'end', status: task.status, exitCode: task.exitCode, error: task.error })
    this.close()
  }

  /** A 'holder' frame when the run changed: who holds the task (null while queued) at which epoch. */
  private show (task: TaskView): void {
    const holder = task.status === 'queued' ? null : task.holder
    if (this.shown?.epoch === task.epoch && this.shown.holder === holder) return
    this.shown = { epoch: task.epoch, holder }
    if (!this.closed) this.onFrame({ type: 'holder', holder, epoch: task.epoch, status: task.status })
  }

  /** Watches `follow` instead of the run watched so far. */
  private use (follow: Follow | undefined): void {
    if (follow === this.follow) return
    const old = this.follow
    this.follow = follow
    if (follow !== undefined) follow.watchers++
    if (old !== undefined) this.relay.release(old)
  }
}
