// A task flooding its output as fast as it can must not grow the peer: the executor splits it into
// lines, the LogBook keeps a bounded tail in memory and a capped file on disk.
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import { LogBook } from '../../src/main/logs/log-book.js'
import type { TaskSpec } from '../../src/shared/index.js'
import { readSetup, TEST_IMAGE } from '../helpers/docker.js'

const noDocker = readSetup()?.docker === false
const MiB = 1024 * 1024
const FLOOD_BYTES = 300_000_000
const LINE_BYTES = 200
const TASK_BYTES = 2 * MiB
const FILE_BYTES = 64 * MiB

function spec (command: string[]): TaskSpec {
  return {
    v: 1, submitter: '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij', submitterName: 'test', image: TEST_IMAGE,
    command, cpu: 1, memoryMb: 128, timeoutSec: 120, env: {}, maxAttempts: 1, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-123'
  } as TaskSpec
}

/** Peak growth of rss and of heap + external over the baseline, sampled every 100 ms. */
function memoryWatch (): { stop: () => { rssMiB: number, heapMiB: number } } {
  const heapOf = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external
  globalThis.gc?.()
  const base = process.memoryUsage()
  let rss = base.rss
  let heap = heapOf(base)
  const timer = setInterval(() => {
    const m = process.memoryUsage()
    rss = Math.max(rss, m.rss)
    heap = Math.max(heap, heapOf(m))
  }, 100)
  return {
    stop: () => {
      clearInterval(timer)
      return { rssMiB: (rss - base.rss) / MiB, heapMiB: (heap - heapOf(base)) / MiB }
    }
  }
}

async function lastLineOf (file: string): Promise<string> {
  const fh = await open(file, 'r')
  try {
    const { size } = await fh.stat()
    const buf = Buffer.alloc(Math.min(size, 4096))
    await fh.read(buf, 0, buf.length, size - buf.length)
    return buf.toString('utf8').trimEnd().split('\n').at(-1) ?? ''
  } finally {
    await fh.close()
  }
}

describe.skipIf(noDocker)('log flood through the Docker executor into a LogBook', () => {
  let dir: string
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-flood-')) })
  afterAll(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }) })

  it(`keeps memory, the ring and the file bounded while a task writes ${FLOOD_BYTES / 1e6} MB`, async () => {
    const executor = new DockerExecutor({ workRoot: path.join(dir, 'work'), owner: `docker-flood-test-${process.pid}` })
    const book = new LogBook({ dir: path.join(dir, 'logs'), maxBytesPerTask: TASK_BYTES, maxFileBytes: FILE_BYTES })
    const taskId = randomBytes(32).toString('hex')
    // warm-up: the first run loads dockerode's code paths, which is not growth caused by the flood
    await executor.run({ taskId: 'warm-up', epoch: 1, spec: spec(['true']), signal: new AbortController().signal, onLog: () => {} })

    let lines = 0
    let textBytes = 0
    const watch = memoryWatch()
    const started = performance.now()
    const r = await executor.run({
      taskId,
      epoch: 1,
      spec: spec(['sh', '-c', `yes "$(printf "%0${LINE_BYTES - 1}d" 0)" | head -c ${FLOOD_BYTES}`]),
      signal: new AbortController().signal,
      onLog: (stream, line) => {
        if (stream === 'stdout') { lines++; textBytes += line.length + 1 }
        book.append({ taskId, epoch: 1, stream, line, at: Date.now() })
      }
    })
    const seconds = (performance.now() - started) / 1000
    await book.close()
    const grew = watch.stop()
    console.log(`log flood: ${textBytes / 1e6} MB in ${lines} lines, ${seconds.toFixed(1)} s (${(textBytes / 1e6 / seconds).toFixed(0)} MB/s), ` +
      `growth rss ${grew.rssMiB.toFixed(0)} MiB, heap+external ${grew.heapMiB.toFixed(0)} MiB`)

    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(textBytes).toBe(FLOOD_BYTES)
    expect(seconds).toBeLessThan(60)
    expect(grew.rssMiB).toBeLessThan(150)
    expect(grew.heapMiB).toBeLessThan(150)

    const kept = book.lines(taskId)
    expect(kept.reduce((n, l) => n + Buffer.byteLength(l.line), 0)).toBeLessThanOrEqual(TASK_BYTES)
    expect(kept.at(-1)?.line).toBe('0'.repeat(LINE_BYTES - 1))

    const file = path.join(dir, 'logs', `${taskId}.log`)
    expect((await stat(file)).size).toBeLessThanOrEqual(FILE_BYTES)
    expect((await stat(file)).size).toBeGreaterThan(FILE_BYTES - 1024)
    expect(await lastLineOf(file)).toMatch(/^\S+ system \[log file cut at 64 MiB\]$/)
  })
})
