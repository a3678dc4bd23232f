// Why a container ended on its own: told apart from what the task's exit code says.
import { setTimeout as delay } from 'node:timers/promises'

/** How long after the exit the engine's out-of-memory flag is waited for (see oomVerdict). */
export const OOM_FLAG_WAIT_MS = 1_500
const OOM_FLAG_POLL_MS = 100
/** 128 + SIGKILL: what the kernel's OOM killer leaves as exit status. */
const SIGKILL_EXIT = 137

export interface ExitFacts {
  exitCode: number
  memoryMb: number
  /** Reads the engine's `State.OOMKilled` for the container. */
  oomKilled: () => Promise<boolean>
}

/**
 * The error a task that ended by itself gets, or null when its exit code says it all.
 * On cgroup v2 the engine learns of an OOM kill from a separate event that can arrive after the
 * exit (moby/nomad report this; it failed our CI once), so a SIGKILL nobody here sent waits a
 * moment for the flag. If it never comes, the user is still told the likely cause: nothing on our
 * side kills without saying so, and a task past its memory limit is by far the common SIGKILL.
 */
export async function exitError (f: ExitFacts): Promise<string | null> {
  const confirmed = `out of memory (limit ${f.memoryMb} MiB)`
  if (await f.oomKilled()) return confirmed
  if (f.exitCode !== SIGKILL_EXIT) return null
  const deadline = Date.now() + OOM_FLAG_WAIT_MS
  while (Date.now() < deadline) {
    await delay(OOM_FLAG_POLL_MS)
    if (await f.oomKilled()) return confirmed
  }
  return `killed (SIGKILL), most likely ${confirmed}`
}
