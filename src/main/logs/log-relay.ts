// The live log relay behind WS /api/tasks/:id/logs: a client of any peer sees a task's log from
// whichever peer runs it, and is moved to the next holder when the task is re-claimed.
// Lines fetched from a holder go into this peer's LogBook, so one libp2p stream per run serves
// every client and the submitter's own copy; a client gets the book's lines, then each line the
// book gains (the book and the line listeners are updated in one synchronous step, so taking the
// snapshot right after subscribing leaves no gap and no line twice).
import { type LogLine, type LogStreamFrame, type TaskView } from '../../shared/index.js'
import { RelaySession } from './relay-session.js'

export interface LogRelayComponents {
  peerId: string
  /** The lines this peer keeps of a task (its LogBook). */
  lines: (taskId: string) => LogLine[]
  /** Keeps a line received from a holder (LogBook) and tells every `onLine` listener. */
  keep: (line: LogLine) => void
  /** Every line this peer keeps, produced here or received; returns the unsubscribe function. */
  onLine: (listener: (line: LogLine) => void) => () => void
  /** Every change of a task's selected state as this peer learns it; returns the unsubscribe function. */
  onTaskState: (listener: (task: TaskView) => void) => () => void
  /** The task as this peer knows it now. */
  view: (taskId: string) => TaskView | undefined
  /** Reads the task's state from the DHT (a change reaches `onTaskState`). */
  refresh: (taskId: string) => Promise<void>
  /** Streams the task's lines from `holder` until its run there ends; true when the holder said it ended. */
  follow: (holder: string, taskId: string, onLine: (line: LogLine) => void, signal: AbortSignal) => Promise<boolean>
}

export interface LogRelayInit {
  /** Longest wait, once a run has ended, for the rest of its lines from the peer that ran it. Default 5 s. */
  finalWaitMs?: number
  /** First pause before following a holder again after its stream broke; doubles each time. Default 250 ms. */
  retryMs?: number
  /** Longest pause between two attempts to follow a holder. Default 5 s. */
  maxRetryMs?: number
  /** Broken streams after which a run nobody watches (only the submitter's copy) is no longer followed. Default 20. */
  maxUnwatchedFailures?: number
  /** Runs whose position (what was kept of them) is remembered. Default 1,000. */
  maxMarks?: number
}

/** The one stream this peer keeps open to the holder of a task's current run. */
export interface Follow {
  readonly taskId: string
  readonly epoch: number
  readonly holder: string
  /** Clients streaming this run. */
  watchers: number
  /** The submitter keeps a copy of its own task's run whether or not anyone watches. */
  keep: boolean
  readonly controller: AbortController
  /** Settles when this run is no longer followed (ended, superseded, given up). */
  done: Promise<void>
  /** Set once the run has ended: the holder gets this long to send what is left. */
  deadline: ReturnType<typeof setTimeout> | undefined
}

/** How far a run's lines were kept: the last line's time and how many kept lines share it. */
interface RunMark { at: number, n: number, complete: boolean }

/** Leased or running: its holder is producing (or about to produce) its lines. */
export const isHeld = (t: TaskView): boolean => t.status === 'leased' || t.status === 'running'

export class LogRelay {
  private readonly follows = new Map<string, Follow>()
  private readonly marks = new Map<string, RunMark>()
  private readonly sessions = new Set<RelaySession>()
  private stopped = false
  readonly finalWaitMs: number
  private readonly retryMs: number
  private readonly maxRetryMs: number
  private readonly maxUnwatchedFailures: number
  private readonly maxMarks: number

  constructor (readonly c: LogRelayComponents, init: LogRelayInit = {}) {
    this.finalWaitMs = init.finalWaitMs ?? 5000
    this.retryMs = init.retryMs ?? 250
    this.maxRetryMs = init.maxRetryMs ?? 5000
    this.maxUnwatchedFailures = init.maxUnwatchedFailures ?? 20
    this.maxMarks = init.maxMarks ?? 1000
  }

  /**
   * Streams a task's log to one client: a 'holder' frame, the lines kept here, then live lines
   * and a 'holder' frame per re-claim, until 'end' (the task finished) or `signal` aborts.
   * An unknown task gets one 'error' frame.
   */
  async stream (taskId: string, onFrame: (frame: LogStreamFrame) => void, signal: AbortSignal): Promise<void> {
    if (this.c.view(taskId) === undefined) await untilAborted(this.c.refresh(taskId).catch(() => {}), signal)
    if (signal.aborted) return
    const first = this.c.view(taskId)
    if (first === undefined) {
      onFrame({ type: 'error', name: 'NotFoundError', message: `no task ${taskId}` })
      return
    }
    const session = new RelaySession(this, taskId, onFrame, signal)
    this.sessions.add(session)
    try {
      await session.run(first)
    } finally {
      this.sessions.delete(session)
    }
  }

  /** The submitter's own copy of its task's run on another peer (or what is missing of it, once it ended). */
  keepCopy (taskId: string, holder: string, epoch: number): void {
    const follow = this.acquire(taskId, epoch, holder)
    if (follow !== undefined) follow.keep = true
  }

  /**
   * The follow of this run: the current one, or a new one (ending the follow of an older run, which
   * a re-claim supersedes even when its holder vanished without a word). Undefined when there is
   * nothing to fetch: the run is here, older than the one followed, or already fully kept.
   */
  acquire (taskId: string, epoch: number, holder: string): Follow | undefined {
    if (this.stopped) return undefined
    const current = this.follows.get(taskId)
    if (current !== undefined) {
      if (current.epoch > epoch) return undefined
      if (current.epoch === epoch && current.holder === holder) { this.settle(current); return current }
      // A newer run, or the same epoch won by another claimant: two providers claimed at once and
      // the record order picked the other one, which never started the run we were following.
      this.end(current)
    }
    if (holder === this.c.peerId) return undefined
    if (this.marks.get(markKey(taskId, epoch))?.complete === true) return undefined
    const follow: Follow = { taskId, epoch, holder, watchers: 0, keep: false, controller: new AbortController(), done: Promise.resolve(), deadline: undefined }
    this.follows.set(taskId, follow)
    follow.done = this.run(follow)
    this.settle(follow)
    return follow
  }

  /** A client stopped watching this run: nobody left and no copy kept → the stream closes. */
  release (follow: Follow): void {
    follow.watchers--
    if (follow.watchers <= 0 && !follow.keep) this.end(follow)
  }

  /** Ends every follow and client stream; nothing starts afterwards. */
  stop (): void {
    this.stopped = true
    for (const follow of [...this.follows.values()]) this.end(follow)
    for (const session of this.sessions) session.close()
  }

  private end (follow: Follow): void {
    clearTimeout(follow.deadline)
    follow.controller.abort()
    if (this.follows.get(follow.taskId) === follow) this.follows.delete(follow.taskId)
  }

  /** Once the run is over, its holder gets finalWaitMs to finish sending: a vanished one must not hold us. */
  settle (follow: Follow): void {
    const now = this.c.view(follow.taskId)
    if (follow.deadline !== undefined || now === undefined || !movedPast(now, follow.epoch)) return
    follow.deadline = setTimeout(() => { this.end(follow) }, this.finalWaitMs)
  }

  private async run (follow: Follow): Promise<void> {
    const { taskId, epoch, holder } = follow
    const signal = follow.controller.signal
    const mark = this.markOf(taskId, epoch)
    let failures = 0
    try {
      while (!signal.aborted) {
        const gate = { open: false, at: Number.NaN, n: 0 }
        let ended = false
        try {
          ended = await this.c.follow(holder, taskId, line => { this.take(follow, mark, gate, line) }, signal)
        } catch { /* holder unreachable or the stream broke: decided below */ }
        if (signal.aborted) return
        const now = this.c.view(taskId)
        // The holder also says "ended" when the run has not registered there yet (its claim is
        // still being written): only a state that moved on makes the lines complete.
        if (now === undefined || movedPast(now, epoch)) {
          if (ended) mark.complete = true
          return
        }
        failures++
        if (follow.watchers <= 0 && failures >= this.maxUnwatchedFailures) return
        // A holder that went away: a re-read may show the re-claim gossip did not bring.
        await untilAborted(this.c.refresh(taskId).catch(() => {}), signal)
        this.settle(follow)
        await sleep(Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(failures - 1, 16)), signal)
      }
    } finally {
      clearTimeout(follow.deadline)
      if (this.follows.get(taskId) === follow) this.follows.delete(taskId)
    }
  }

  /**
   * Keeps a line of the followed run unless it was kept before: every (re)connection starts with
   * the holder's buffer, so lines up to the run's mark (time, then count at that time) are skipped;
   * once a line passes the mark, the rest of the stream is new.
   */
  private take (follow: Follow, mark: RunMark, gate: { open: boolean, at: number, n: number }, line: LogLine): void {
    if (line.taskId !== follow.taskId || line.epoch !== follow.epoch) return
    if (!gate.open) {
      gate.n = line.at === gate.at ? gate.n + 1 : 1
      gate.at = line.at
      if (line.at < mark.at || (line.at === mark.at && gate.n <= mark.n)) return
      gate.open = true
    }
    mark.n = line.at === mark.at ? mark.n + 1 : 1
    mark.at = line.at
    this.c.keep(line)
  }

  private markOf (taskId: string, epoch: number): RunMark {
    const key = markKey(taskId, epoch)
    let mark = this.marks.get(key)
    if (mark === undefined) {
      if (this.marks.size >= this.maxMarks) this.marks.delete(this.marks.keys().next().value!)
      // A run met again after its mark was forgotten: what the book kept of it is the position.
      mark = { at: Number.NEGATIVE_INFINITY, n: 0, complete: false }
      for (const line of this.c.lines(taskId)) {
        if (line.epoch !== epoch) continue
        mark.n = line.at === mark.at ? mark.n + 1 : 1
        mark.at = line.at
      }
      this.marks.set(key, mark)
    }
    return mark
  }
}

/** The task's state has moved past this run: it ended, was handed back, or was re-claimed. */
const movedPast = (t: TaskView, epoch: number): boolean => t.epoch > epoch || (t.epoch === epoch && !isHeld(t))

const markKey = (taskId: string, epoch: number): string => `${taskId}@${epoch}`

/** Waits for `promise`, or less if `signal` aborts first. */
export async function untilAborted (promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  let onAbort!: () => void
  const aborted = new Promise<void>(resolve => { onAbort = resolve; signal.addEventListener('abort', onAbort, { once: true }) })
  try {
    await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  await untilAborted(new Promise<void>(resolve => { timer = setTimeout(resolve, ms) }), signal)
  clearTimeout(timer)
}
