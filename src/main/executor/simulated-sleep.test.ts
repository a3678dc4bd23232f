import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TaskSpec } from '../../shared/index.js'
import type { ExecResult, TaskRun } from './index.js'
import { SimulatedSleepExecutor } from './simulated-sleep.js'

function run (command: string, timeoutSec = 60, signal = new AbortController().signal): TaskRun {
  return { taskId: 't1', epoch: 1, spec: { command: ['sh', '-c', command], timeoutSec } as TaskSpec, signal, onLog: () => {} }
}

describe('SimulatedSleepExecutor suspend/resume', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('holds a suspended run: it ends only after its full running time', async () => {
    const ex = new SimulatedSleepExecutor()
    let result: ExecResult | undefined
    void ex.run(run('sleep 1')).then(r => { result = r })
    await vi.advanceTimersByTimeAsync(400)
    expect(await ex.suspend('t1')).toBe(true)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(result).toBeUndefined()
    expect(await ex.resume('t1')).toBe(true)
    await vi.advanceTimersByTimeAsync(599)
    expect(result).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(result).toMatchObject({ exitCode: 0, error: null })
    expect(await ex.suspend('t1')).toBe(false)
  })

  it('does not count suspended time against the timeout, and an abort ends a suspended run', async () => {
    const ex = new SimulatedSleepExecutor()
    let result: ExecResult | undefined
    void ex.run(run('sleep 3', 2)).then(r => { result = r })
    await vi.advanceTimersByTimeAsync(1500)
    await ex.suspend('t1')
    await vi.advanceTimersByTimeAsync(5000)
    expect(result).toBeUndefined()
    await ex.resume('t1')
    await vi.advanceTimersByTimeAsync(500)
    expect(result).toMatchObject({ exitCode: null, error: 'timed out after 2 s' })

    const ac = new AbortController()
    let aborted: ExecResult | undefined
    void ex.run(run('sleep 3', 60, ac.signal)).then(r => { aborted = r })
    await ex.suspend('t1')
    ac.abort()
    await vi.advanceTimersByTimeAsync(0)
    expect(aborted).toMatchObject({ exitCode: null, error: 'stopped' })
    expect(await ex.resume('t1')).toBe(false)
  })
})
