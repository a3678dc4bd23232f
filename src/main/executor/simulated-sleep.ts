// A SIMULATION, not a container runtime: "runs" a task by sleeping. Used by control-plane tests
// and benchmarks that need more tasks than Docker can start on two cores; its name says so in
// every status and report that used it. Never the product default.
import type { Executor, ExecResult, TaskRun } from './index.js'

export interface SimulatedSleepInit {
  /** Duration when the command is not `sleep N`. Default 100 ms. */
  defaultMs?: number
  /** Called when a run starts and ends (benches count concurrent executions per task). */
  onRun?: (event: { taskId: string, epoch: number, phase: 'start' | 'end', aborted: boolean }) => void
}

export class SimulatedSleepExecutor implements Executor {
  readonly name = 'simulated-sleep (no containers)'
  constructor (private readonly init: SimulatedSleepInit = {}) {}

  async available (): Promise<boolean> { return true }

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
      const t = setTimeout(() => { resolve(false) }, Math.min(ms, run.spec.timeoutSec * 1000))
      run.signal.addEventListener('abort', () => { clearTimeout(t); resolve(true) }, { once: true })
    })
    this.init.onRun?.({ taskId: run.taskId, epoch: run.epoch, phase: 'end', aborted })
    const durationMs = performance.now() - started
    if (aborted) return { exitCode: null, error: 'stopped', durationMs }
    if (ms > run.spec.timeoutSec * 1000) return { exitCode: null, error: `timed out after ${run.spec.timeoutSec} s`, durationMs }
    return { exitCode: exit != null ? Number(exit[1]) : 0, error: null, durationMs }
  }
}
