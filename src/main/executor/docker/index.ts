// The product's executor: runs a task in a sandboxed Docker container (DESIGN "Executor (Docker)").
import { chmod, mkdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import Dockerode from 'dockerode'
import type { Executor, ExecResult, TaskRun } from '../index.js'
import { formatBytes } from '../../../shared/byte-format.js'
import { PausableTimer } from '../pausable-timer.js'
import {
  AVAILABLE_CACHE_MS, DEFAULT_PULL_TIMEOUT_MS, DEFAULT_WORK_ROOT, LABEL_EPOCH, LABEL_OWNER, LABEL_TASK,
  DOCKER_CALL_TIMEOUT_MS, KILL_GRACE_MS, LOG_DRAIN_TIMEOUT_MS, OUTPUT_COPY_TIMEOUT_MS, PING_TIMEOUT_MS
} from './constants.js'
import { ping, registerExitWait } from './docker-api.js'
import { demuxAttach } from './attach-demux.js'
import { exitError } from './exit-reason.js'
import { ensureImage, statusCode } from './image.js'
import { LogLineWriter } from './log-lines.js'
import type { KeeperPool } from './keeper-pool.js'
import { PauseControl } from './pause-control.js'
import { containerOptions, effectiveLimits, wantsNetwork, type EffectiveLimits, type ExecutorLimits, type WorkDirs } from './sandbox.js'

export type { ExecutorLimits } from './sandbox.js'

export interface DockerExecutorInit {
  /** The engine to use. Default: `new Dockerode()`, which respects DOCKER_HOST. */
  docker?: Dockerode
  /** Parent of the per-task work dirs. Default: `<os.tmpdir()>/mcloud-work`. */
  workRoot?: string
  /** Caps on what one task may use, whatever its spec asks. Default: all CPUs, no other cap. */
  limits?: ExecutorLimits
  /** Longest pull of a missing image before it counts as not found. Default: 120 s. */
  pullTimeoutMs?: number
  /** Set as label `mcloud.owner`; removeOrphans then removes only this owner's leftovers. Default: none. */
  owner?: string
  /** Whether tasks asking for network access (`spec.network`) get it; the others never do. Default: false. */
  allowNetwork?: boolean
}

type Outcome = Omit<ExecResult, 'durationMs'>
/** How the container's run ended: by itself (its exit, or its own timeout) or not (abort, start refused). */
type Supervised = Outcome & { end?: 'exit' | 'timeout' }
type StopCause = { kind: 'timeout' } | { kind: 'abort', reason: string }

/** Runs that have not returned yet, so stop() can end them, removeOrphans() spares them and suspend() finds them. */
interface ActiveRun { key: string, taskId: string, controller: AbortController, pause: PauseControl, done: Promise<unknown> }

export class DockerExecutor implements Executor {
  readonly name = 'docker'
  private readonly docker: Dockerode
  private readonly workRoot: string
  private readonly limits: ExecutorLimits & { maxCpu: number }
  private readonly pullTimeoutMs: number
  private readonly owner: string | undefined
  private allowNetwork: boolean
  private readonly active = new Set<ActiveRun>()
  private availability: { value: boolean, at: number } | undefined
  private availabilityCheck: Promise<boolean> | undefined
  /** Keepers made ahead of time (keeper-pool.ts), made on the first run whose outputs are kept. */
  private keepers: KeeperPool | undefined
  /** Keepers taken by runs in progress, so orphan clean-up leaves them alone. */
  private readonly keepersInUse = new Set<string>()
  private started = false

  constructor (init: DockerExecutorInit = {}) {
    this.docker = init.docker ?? new Dockerode()
    this.workRoot = init.workRoot ?? DEFAULT_WORK_ROOT
    this.limits = { ...init.limits, maxCpu: init.limits?.maxCpu ?? os.availableParallelism() }
    this.pullTimeoutMs = init.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS
    this.owner = init.owner
    this.allowNetwork = init.allowNetwork ?? false
  }

  /** The owner changed the network policy: containers created from now on follow it, running ones keep theirs. */
  setAllowNetwork (allow: boolean): void {
    this.allowNetwork = allow
  }

  /** Pauses the task's container (`docker pause`) and its timeout clock; see Executor.suspend. */
  async suspend (taskId: string): Promise<boolean> {
    const held = await Promise.all(this.runsOf(taskId).map(async r => await r.pause.suspend()))
    return held.some(Boolean)
  }

  /** Unpauses the task's container and lets its timeout clock run again; see Executor.resume. */
  async resume (taskId: string): Promise<boolean> {
    const going = await Promise.all(this.runsOf(taskId).map(async r => await r.pause.resume()))
    return going.some(Boolean)
  }

  /** Removes the containers a crash left behind; safe to call twice. An absent engine is not an error here. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    if (await this.available()) await this.removeOrphans().catch(() => 0)
  }

  /** Stops every running task (as 'stopped: executor stopped') and waits until they are cleaned up. */
  async stop (): Promise<void> {
    this.started = false
    const runs = [...this.active]
    for (const r of runs) r.controller.abort('executor stopped')
    await Promise.allSettled(runs.map(async r => await r.done))
    const keepers = this.keepers
    this.keepers = undefined
    await keepers?.stop()
  }

  /** How many runs found a spare keeper ready, how many made their own, and how many spares are ready now (see keeper-pool.ts). */
  get keeperStats (): { hits: number, misses: number, ready: number } {
    return { hits: this.keepers?.hits ?? 0, misses: this.keepers?.misses ?? 0, ready: this.keepers?.spareIds.length ?? 0 }
  }

  async available (): Promise<boolean> {
    if (this.availability != null && Date.now() - this.availability.at < AVAILABLE_CACHE_MS) return this.availability.value
    this.availabilityCheck ??= ping(this.docker, AbortSignal.timeout(PING_TIMEOUT_MS))
      .then(() => true, () => false)
      .then(value => {
        this.availability = { value, at: Date.now() }
        this.availabilityCheck = undefined
        return value
      })
    return await this.availabilityCheck
  }

  /** Force-removes containers labelled `mcloud.task` (of this owner, if set) that no run of ours is using. */
  async removeOrphans (): Promise<number> {
    const label = [LABEL_TASK, ...(this.owner !== undefined ? [`${LABEL_OWNER}=${this.owner}`] : [])]
    const containers = await this.docker.listContainers({ all: true, filters: { label } })
    const busy = new Set([...this.active].map(r => r.key))
    const keepers = new Set([...this.keepersInUse, ...this.keepers?.spareIds ?? []])
    let removed = 0
    for (const c of containers) {
      if (busy.has(runKey(c.Labels[LABEL_TASK] ?? '', c.Labels[LABEL_EPOCH] ?? '')) || keepers.has(c.Id)) continue
      try {
        // v: its /output volume goes with it
        await this.docker.getContainer(c.Id).remove({ force: true, v: true, ...bounded() })
        removed++
      } catch (err) {
        if (statusCode(err) !== 404) throw err
      }
    }
    return removed
  }

  async run (run: TaskRun): Promise<ExecResult> {
    const startedAt = performance.now()
    const controller = new AbortController()
    const pause = new PauseControl(line => { run.onLog('system', line) }, bounded)
    const entry: ActiveRun = { key: runKey(run.taskId, String(run.epoch)), taskId: run.taskId, controller, pause, done: Promise.resolve() }
    this.active.add(entry)
    const done = this.execute(run, AbortSignal.any([run.signal, controller.signal]), pause)
    entry.done = done
    try {
      return { ...(await done), durationMs: performance.now() - startedAt }
    } finally {
      pause.end()
      this.active.delete(entry)
    }
  }

  private runsOf (taskId: string): ActiveRun[] {
    return [...this.active].filter(r => r.taskId === taskId)
  }

  private async execute (run: TaskRun, signal: AbortSignal, pause: PauseControl): Promise<Outcome> {
    if (signal.aborted) return stopped(signal.reason)
    const limits = effectiveLimits(run.spec, this.limits)
    const system = (line: string): void => { run.onLog('system', line) }
    try {
      const image = await ensureImage(this.docker, run.spec.image, { pullTimeoutMs: this.pullTimeoutMs, signal, onProgress: system })
      if (signal.aborted) return stopped(signal.reason)
      if (image === 'missing') return imageNotFound(run.spec.image)
    } catch (err) {
      return dockerError(err)
    }

    let dirs: WorkDirs & { root: string }
    try {
      dirs = await this.makeWorkDirs(run)
    } catch (err) {
      return { exitCode: null, error: `work dir error: ${(err as Error).message}`, infrastructure: true }
    }
    const policy = { owner: this.owner, allowNetwork: this.allowNetwork }
    let keeper: Dockerode.Container | undefined
    let container: Dockerode.Container | undefined
    try {
      // before the container exists, so its time never counts against the task's timeout
      if (run.prepareInput !== undefined) {
        // in the task's log, so the submitter following it sees why nothing runs yet (summed here,
        // not by shared/schemas inputBytes: zod in the executor's module graph raised the log-flood RSS)
        const inputs = run.spec.inputs ?? []
        system(`inputs: fetching ${inputs.length} (${formatBytes(inputs.reduce((n, i) => n + i.bytes, 0))})`)
        const started = performance.now()
        const failed = await fillInput(run.prepareInput, dirs.input, signal)
        if (failed !== undefined) return failed
        system(`inputs: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
      }
      if (run.storeOutput !== undefined) {
        keeper = await this.takeKeeper(policy)
        this.keepersInUse.add(keeper.id)
        dirs.outputFrom = keeper.id
      }
      if (signal.aborted) return stopped(signal.reason)
      if (run.spec.network === true) system(wantsNetwork(run, policy) ? 'network: on (bridge)' : 'network: asked for but not allowed on this peer, running without')
      try {
        container = await this.docker.createContainer({ ...containerOptions(run, limits, dirs, policy), ...bounded() })
      } catch (err) {
        // the image vanished between the check and create
        if (statusCode(err) === 404) return imageNotFound(run.spec.image)
        throw err
      }
      // the next task's keeper is made once this one runs, not beside its start
      const { end, ...outcome } = await this.supervise(container, run, signal, limits, pause, () => { if (keeper !== undefined) this.keepers?.replenish() })
      // outputs of a task that ended by itself, whatever its exit code (a failure's are for debugging)
      if (end === undefined || run.storeOutput === undefined) return outcome
      return await this.keepOutput(keeper ?? container, run, dirs.root, outcome, signal)
    } catch (err) {
      return dockerError(err)
    } finally {
      // the task first: its VolumesFrom holds the keeper's volume, which goes with the keeper (v)
      for (const c of [container, keeper]) {
        if (c === undefined) continue
        await c.remove({ force: true, v: true, ...bounded() }).catch((err: unknown) => {
          if (statusCode(err) !== 404) system(`could not remove container ${c.id.slice(0, 12)}: ${message(err)}`)
        })
      }
      if (keeper !== undefined) this.keepersInUse.delete(keeper.id)
      await rm(dirs.root, { recursive: true, force: true }).catch(() => {})
    }
  }

  /** A started container holding a fresh /output for one task past its exit (output-keeper.ts): a spare if one is ready. run() removes it. */
  private async takeKeeper (policy: { owner: string | undefined }): Promise<Dockerode.Container> {
    if (this.keepers === undefined) {
      // Loaded on first use (here and for the copy-out): runs that keep no outputs never load the tar
      // code, and with it in the module graph a log flood's peak memory rose by ~50 MiB (log-flood test).
      const { dockerKeeperPool } = await import('./keeper-pool.js')
      this.keepers ??= dockerKeeperPool(this.docker, policy.owner, bounded)
    }
    return await this.keepers.take()
  }

  /** Copies the task's /output out and hands it to run.storeOutput; a refused output or a failed store fails the task. */
  private async keepOutput (source: Dockerode.Container, run: TaskRun, root: string, outcome: Outcome, signal: AbortSignal): Promise<Outcome> {
    const fail = (why: string): Outcome => ({ ...outcome, error: outcome.error === null ? why : `${outcome.error}; ${why}`, resultCid: null })
    const deadline = AbortSignal.timeout(OUTPUT_COPY_TIMEOUT_MS)
    const { copyOutput } = await import('./task-data.js')
    const copied = await copyOutput(source, root, run, AbortSignal.any([signal, deadline])).catch((err: unknown) => {
      // a fence or cancel during the copy: the result is discarded anyway
      if (signal.aborted) return undefined
      if (deadline.aborted) throw new Error(`copying /output out took longer than ${OUTPUT_COPY_TIMEOUT_MS / 1000} s`)
      throw err
    })
    if (copied === undefined) return stopped(signal.reason)
    if (copied.kind === 'refused') return fail(copied.message)
    if (copied.skipped.length > 0) run.onLog('system', `left out of the outputs (not regular files or folders): ${copied.skipped.join(', ')}`)
    try {
      return { ...outcome, resultCid: await run.storeOutput!(copied.dir) }
    } catch (err) {
      return fail(message(err))
    }
  }

  /** Starts the created container and follows it to its exit, a timeout or an abort. */
  private async supervise (container: Dockerode.Container, run: TaskRun, signal: AbortSignal, limits: EffectiveLimits, pause: PauseControl, started: () => void): Promise<Supervised> {
    // both registered before start: an exit or an early line cannot slip past us
    const { exited } = await registerExitWait(this.docker, container.id)
    const output = await container.attach({ stream: true, stdout: true, stderr: true }) as unknown as Readable
    const stdout = new LogLineWriter(line => { run.onLog('stdout', line) })
    const stderr = new LogLineWriter(line => { run.onLog('stderr', line) })
    demuxAttach(output, stdout, stderr)
    const outputEnded = new Promise<void>(resolve => {
      output.once('end', resolve)
      output.once('close', resolve)
      output.once('error', () => { resolve() })
    })

    let cause: StopCause | undefined
    // a daemon that takes a kill but never reports the exit must not hold the run forever
    let graceTimer: NodeJS.Timeout | undefined
    let giveUp: (err: Error) => void = () => {}
    const gaveUp = new Promise<never>((_resolve, reject) => { giveUp = reject })
    gaveUp.catch(() => {})
    const kill = async (): Promise<void> => {
      // 409/404: it is not running (any more) — the exit is on its way or start will see `cause`.
      // A paused container needs no unpause first: the engine unpauses it after a SIGKILL (tested).
      await container.kill(bounded()).catch(() => {})
      graceTimer ??= setTimeout(() => { giveUp(new Error(`container did not exit within ${KILL_GRACE_MS / 1000} s of a kill`)) }, KILL_GRACE_MS)
    }
    const onAbort = (): void => { cause ??= { kind: 'abort', reason: reasonText(signal.reason) }; void kill() }
    // counts running time only: PauseControl stops it while the container is paused
    const timer = new PausableTimer(limits.timeoutSec * 1000, () => { cause ??= { kind: 'timeout' }; void kill() })
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      // aborted while we set up: never start it (a `next-exit` wait would see no exit)
      if (signal.aborted) return stopped(signal.reason)
      await container.start(bounded())
      // a kill that raced start() found nothing running
      if (cause !== undefined) await kill()
      // not awaited: a slow pause must not delay following the exit (it never rejects)
      else void pause.started(container, timer)
      started()
      const status = await Promise.race([exited, gaveUp])
      run.onExited?.()
      await Promise.race([outputEnded, delay(LOG_DRAIN_TIMEOUT_MS)])
      await Promise.all([endWriter(stdout), endWriter(stderr)])

      if (cause?.kind === 'abort') return stopped(cause.reason)
      if (cause?.kind === 'timeout') return { exitCode: null, error: `timed out after ${limits.timeoutSec} s`, end: 'timeout' }
      const error = await exitError({
        exitCode: status.StatusCode,
        memoryMb: limits.memoryMb,
        oomKilled: async () => (await container.inspect(bounded())).State.OOMKilled
      })
      return { exitCode: error === null ? status.StatusCode : status.StatusCode || 137, error, end: 'exit' }
    } catch (err) {
      if (cause?.kind === 'abort') return stopped(cause.reason)
      // start refused what the task asked for (e.g. a command the image lacks): the task's problem
      if (statusCode(err) === 400) return { exitCode: null, error: `cannot start: ${message(err)}`, infrastructure: false }
      throw err
    } finally {
      pause.end()
      timer.clear()
      clearTimeout(graceTimer)
      signal.removeEventListener('abort', onAbort)
      output.destroy()
    }
  }

  private async makeWorkDirs (run: TaskRun): Promise<WorkDirs & { root: string }> {
    const root = path.join(this.workRoot, `${run.taskId.replace(/[^\w.-]/g, '_')}-${run.epoch}`)
    await rm(root, { recursive: true, force: true })
    const input = path.join(root, 'input')
    await mkdir(input, { recursive: true })
    // the task runs as uid 65534: it reads /input whatever our umask is (/output is a volume, sandbox.ts)
    await chmod(input, 0o755)
    return { root, input }
  }
}

/** Options bounding one short control call, so a wedged daemon cannot hang a run. */
function bounded (): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(DOCKER_CALL_TIMEOUT_MS) }
}

function runKey (taskId: string, epoch: string): string { return `${taskId}:${epoch}` }

function message (err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.replace(/^\(HTTP code \d+\)\s*/, '').trim()
}

function reasonText (reason: unknown): string {
  if (typeof reason === 'string') return reason
  if (reason instanceof Error) return reason.message
  return 'aborted'
}

/** Runs the run's prepareInput: undefined when /input is ready, else the outcome to return. */
async function fillInput (prepare: NonNullable<TaskRun['prepareInput']>, dir: string, signal: AbortSignal): Promise<Outcome | undefined> {
  try {
    await prepare(dir, signal)
    const { makeReadable } = await import('./task-data.js')
    await makeReadable(dir)
  } catch (err) {
    if (signal.aborted) return stopped(signal.reason)
    // this peer could not get the inputs: another peer's claim fetches them again
    return { exitCode: null, error: message(err), infrastructure: true }
  }
  return signal.aborted ? stopped(signal.reason) : undefined
}

function stopped (reason: unknown): Outcome {
  return { exitCode: null, error: `stopped: ${reasonText(reason)}` }
}

function imageNotFound (image: string): Outcome {
  // the task named an image nobody can give us: failing it here avoids a retry storm across peers
  return { exitCode: null, error: `image not found: ${image}`, infrastructure: false }
}

function dockerError (err: unknown): Outcome {
  return { exitCode: null, error: `docker error: ${message(err)}`, infrastructure: true }
}

async function endWriter (writer: LogLineWriter): Promise<void> {
  await new Promise<void>(resolve => { writer.end(() => { resolve() }) })
}
