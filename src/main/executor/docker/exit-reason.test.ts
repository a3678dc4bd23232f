import { describe, expect, it } from 'vitest'
import { exitError, OOM_FLAG_WAIT_MS } from './exit-reason.js'

const flagAfter = (reads: number): () => Promise<boolean> => {
  let n = 0
  return async () => ++n > reads
}

describe('exitError', () => {
  it('names the memory limit when the engine flags an OOM kill', async () => {
    expect(await exitError({ exitCode: 137, memoryMb: 32, oomKilled: flagAfter(0) })).toBe('out of memory (limit 32 MiB)')
  })

  it('waits for a flag that arrives after the exit (cgroup v2)', async () => {
    expect(await exitError({ exitCode: 137, memoryMb: 64, oomKilled: flagAfter(3) })).toBe('out of memory (limit 64 MiB)')
  })

  it('still says the likely cause when a SIGKILL is never flagged, within a bounded wait', async () => {
    const started = Date.now()
    expect(await exitError({ exitCode: 137, memoryMb: 32, oomKilled: async () => false })).toBe('killed (SIGKILL), most likely out of memory (limit 32 MiB)')
    expect(Date.now() - started).toBeLessThan(OOM_FLAG_WAIT_MS + 1_000)
  })

  it('leaves an ordinary exit code alone, without waiting', async () => {
    const started = Date.now()
    expect(await exitError({ exitCode: 1, memoryMb: 32, oomKilled: async () => false })).toBeNull()
    expect(await exitError({ exitCode: 0, memoryMb: 32, oomKilled: async () => false })).toBeNull()
    expect(Date.now() - started).toBeLessThan(200)
  })
})
