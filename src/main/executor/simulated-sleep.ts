// A SIMULATION, not a container runtime: "runs" a task by sleeping. Used by control-plane tests
// and benchmarks that need more tasks than Docker can start on two cores; its name says so in
// every status and report that used it. Never the product default.
import type { Executor, ExecResult, TaskRun } from './index.js'
import { PausableTimer } from './pausable-timer.js'

export interface SimulatedSleepInit {
  /** Duration when the command is not `sleep N`. Default 100 ms. */
  defaultMs?: number
  /** Called when a run starts and ends (benches count concurrent executions per task). */
  onRun?: (event: { taskId: string, epoch: number, phase: 'start' | 'end', aborted: boolean }) => void
}

export class SimulatedSleepExecutor implements Executor {
  readonly name = 'simulated-sleep (no containers)'
  /** The sleep of each live run; suspending a task pauses its sleep (and so its timeout). */
  private readonly sleeps = new Map<string, Set<PausableTimer>>()
  constructor (private readonly init: SimulatedSleepInit = {}) {}

  async available (): Promise<boolean> { return true }

  async suspend (taskId: string): Promise<boolean> {
    const timers = [...(this.sleeps.get(taskId) ?? [])]
    for (const t of timers) t.pause()
    return timers.length > 0
  }

  async resume (taskId: string): Promise<boolean> {
    const timers = [...(this.sleeps.get(taskId) ?? [])]
    for (const t of timers) t.resume()
    return timers.length > 0
  }

  async run (run: TaskRun): Promise<ExecResult> {
    const started = performance.now()
    const cmd = run.spec.command.join(' ')
    const m = /sleep\s+(\d+(?:\.\d+)?)/.exec(cmd)
    const ms = m != null ? Number(m[1]) * 1000 : (this.init.defaultMs ?? 100)
    const exit = /exit\s+(\d+)/.exec(cmd)
    this.init.onRun?.({ taskId: run.taskId, epoch: run.epoch, phase: 'start', aborted: false })
    run.onLog('stdout', `simulated run of ${cmd} for ${ms} ms`)
    const aborted = await new Promise<boolean>(resolve => {
      if (run.signal.aborted) { resolve(true); return }
      // one timer stands for both the sleep and the timeout, so a pause holds both
      const t = new PausableTimer(Math.min(ms, run.spec.timeoutSec * 1000), () => { done(false) })
      const timers = this.sleeps.get(run.taskId) ?? new Set()
      this.sleeps.set(run.taskId, timers.add(t))
      const onAbort = (): void => { done(true) }
      const done = (value: boolean): void => {
        t.clear()
        timers.delete(t)
        if (timers.size === 0 && this.sleeps.get(run.taskId) === timers) this.sleeps.delete(run.taskId)
        run.signal.removeEventListener('abort', onAbort)
        resolve(value)
      }
      run.signal.addEventListener('abort', onAbort, { once: true })
    })
    this.init.onRun?.({ taskId: run.taskId, epoch: run.epoch, phase: 'end', aborted })
    const durationMs = performance.now() - started
    if (aborted) return { exitCode: null, error: 'stopped', durationMs }
    if (ms > run.spec.timeoutSec * 1000) return { exitCode: null, error: `timed out after ${run.spec.timeoutSec} s`, durationMs }
    return { exitCode: exit != null ? Number(exit[1]) : 0, error: null, durationMs }
  }
}
