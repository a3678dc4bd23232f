// The machine going to sleep or shutting down, and the app quitting: running tasks go back to the
// pool first, so colleagues' work moves to another peer at once instead of after a lease expiry.
import { app, powerMonitor } from 'electron'
import type { Peer } from '../peer/index.js'

/** Longest a quit waits for the hand-back; after it the leases expire and others re-claim anyway. */
const STOP_TIMEOUT_MS = 20_000

export interface PowerInit {
  /** The peer; it may still be starting (or have failed to). */
  peer: Promise<Peer>
}

async function withDeadline (work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })
  await Promise.race([work.then(() => {}, (err: unknown) => { console.error('mcloud: stop failed:', err) }), deadline])
  clearTimeout(timer)
}

/** Hands every running task back now (the machine is about to stop running them). */
async function handBack (peer: Promise<Peer>, why: string): Promise<void> {
  const p = await peer.catch(() => undefined)
  if (p === undefined) return
  const tasks = await p.beforeSleep().catch((err: unknown) => { console.error(`mcloud: hand-back before ${why} failed:`, err); return [] })
  if (tasks.length > 0) console.error(`mcloud: ${why}: handed back ${tasks.length} task(s)`)
}

export function watchPowerAndQuit ({ peer }: PowerInit): void {
  let stopped = false
  let stopping: Promise<void> | undefined
  // Every way out (tray Quit, Cmd+Q, a signal, shutdown) passes here: the first one holds the
  // quit until the peer has stopped (graceful: leases released), then quits for real.
  app.on('before-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    stopping ??= withDeadline(peer.then(async p => { await p.stop() }, () => {}), STOP_TIMEOUT_MS)
      .finally(() => { stopped = true; app.quit() })
  })
  // Sleep cannot be delayed from here: the hand-back starts at once and is best effort; whatever
  // does not finish before the machine sleeps is re-claimed by others when its lease expires.
  powerMonitor.on('suspend', () => { void handBack(peer, 'sleep') })
  // Linux and macOS: preventDefault asks the system to wait while the quit above runs.
  powerMonitor.on('shutdown', (event?: { preventDefault?: () => void }) => {
    event?.preventDefault?.()
    app.quit()
  })
  // The peer's clocks are monotonic and the lending policy re-evaluates by itself; only the
  // goodbye said before sleeping is taken back, so the others count this peer again.
  powerMonitor.on('resume', () => { void peer.then(p => { p.afterWake() }, () => {}) })
  // Ctrl+C in the terminal of `npm start`: a graceful quit; a second one exits at once.
  let signals = 0
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { if (++signals > 1) app.exit(1); else app.quit() })
}

/** Windows ends the session without a 'shutdown' event: hand back while the window still gets told. */
export function sessionEnding (peer: Promise<Peer>): void {
  void handBack(peer, 'the end of the session')
}
