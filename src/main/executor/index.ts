// executor/: the Executor interface. The Docker executor (dockerode) is the product's; others are
// simulations and say so in their name.
import type { TaskSpec } from '../../shared/index.js'

export interface TaskRun {
  taskId: string
  epoch: number
  spec: TaskSpec
  /** Aborted on fence or cancel: the executor must stop the work within one heartbeat. */
  signal: AbortSignal
  onLog: (stream: 'stdout' | 'stderr' | 'system', line: string) => void
  /**
   * The work itself has ended (the container exited) and only clean-up is left before run()
   * returns: the scheduler gives the slot to the next task now instead of after the removal.
   */
  onExited?: () => void
  /**
   * Fills the host folder mounted read-only at /input, before the container is created. Its time
   * is bounded by `signal` and not by the task's timeout. A rejection hands the task back
   * (`infrastructure`): another peer's claim fetches again.
   */
  prepareInput?: (dir: string, signal: AbortSignal) => Promise<void>
  /**
   * Stores what the task left in /output (copied into the host folder `dir`) and gives its CID, or
   * null for none. Called when the task reached its end itself (any exit code, or its timeout),
   * never after an abort. The folder is removed once it settles. A rejection fails the task with
   * its message.
   */
  storeOutput?: (dir: string) => Promise<string | null>
  /** Most bytes copied out of /output; more fails the task. Default: the /output volume's size. */
  maxOutputBytes?: number
}

export interface ExecResult {
  /** The process exit code, or null when it never ran to an exit. */
  exitCode: number | null
  /** A failure of the task itself (timeout, OOM) or, with `infrastructure`, of this peer. */
  error: string | null
  /** The peer, not the task, failed (docker down, image pull failed): hand the task back. */
  infrastructure?: boolean
  durationMs: number
  /** What storeOutput gave for the task's /output; absent when the run had no storeOutput. */
  resultCid?: string | null
}

export interface Executor {
  /** Shown in status and every report that used it. */
  readonly name: string
  /** Whether this executor can run tasks now; a peer whose executor is unavailable claims nothing. */
  available: () => Promise<boolean>
  run: (run: TaskRun) => Promise<ExecResult>
  /** Prepares the executor (e.g. removes containers a crash left behind). */
  start?: () => Promise<void>
  /** Stops every run still going and waits for their cleanup. */
  stop?: () => Promise<void>
  /**
   * Freezes the task's run at once (the desktop owner is back); its timeout clock stops too.
   * Idempotent: true when the run is held (paused now, or paused as soon as it starts),
   * false when this executor has no live run of that task or could not pause it.
   */
  suspend?: (taskId: string) => Promise<boolean>
  /** Lets a suspended run go on. Idempotent: true when the task's run is live and not held. */
  resume?: (taskId: string) => Promise<boolean>
  /** The owner's network policy: whether tasks asking for network (`spec.network`) get it. Applies to runs started later. */
  setAllowNetwork?: (allow: boolean) => void
}

export { SimulatedSleepExecutor, type SimulatedSleepInit } from './simulated-sleep.js'
// The Docker executor lives in ./docker/index.js and is imported from there, so peers that never
// run tasks (tests, the CLI's client commands) do not load dockerode.
