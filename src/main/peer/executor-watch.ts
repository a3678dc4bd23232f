// The executor's availability (Docker may be missing, or stop and come back): checked at start and
// every few seconds, so the peer claims only while it can run, and offers room again once it can.
import type { Executor } from '../executor/index.js'

const CHECK_EVERY_MS = 5000

/**
 * Starts `executor`, checks it once, then every few seconds; `changed(ready)` runs when the answer
 * differs from `current()`. Resolves after the first check with the stop (timer, then executor).
 */
export async function watchExecutor (executor: Executor, current: () => boolean, changed: (ready: boolean) => void): Promise<() => Promise<void>> {
  await executor.start?.().catch(() => {})
  const check = async (): Promise<void> => {
    const ready = await executor.available().catch(() => false)
    if (ready !== current()) changed(ready)
  }
  await check()
  const timer = setInterval(() => { void check() }, CHECK_EVERY_MS)
  return async () => {
    clearInterval(timer)
    await executor.stop?.()
  }
}
