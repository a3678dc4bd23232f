// A task's data through the Docker executor on the real engine: /input filled before the container
// exists (read-only to the task, outside its timeout), /output copied out after the exit and
// handed to storeOutput byte for byte, bounded by the provider's cap.
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import type { ExecResult, TaskRun } from '../../src/main/executor/index.js'
import type { TaskSpec } from '../../src/shared/index.js'
import { SPARE_KEEPER } from '../../src/main/executor/docker/output-keeper.js'
import { waitFor } from '../helpers/cluster.js'
import { docker, listIds, readSetup, taskSpec } from '../helpers/docker.js'

const setup = readSetup()
const noDocker = setup?.docker === false
if (noDocker) console.warn('docker-output.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

const OWNER = `docker-output-test-${process.pid}`
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const sh = (script: string): string[] => ['sh', '-c', script]

const spec = taskSpec

interface Logged { stdout: string[], stderr: string[], system: string[] }

/** Files under `dir` → sha256, as `<relative path>: <hex>` lines (folders as `<path>/`). */
async function digest (dir: string): Promise<string[]> {
  const lines: string[] = []
  for (const d of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(dir, path.join(d.parentPath, d.name))
    if (d.isDirectory()) lines.push(`${rel}/`)
    else lines.push(`${rel}: ${createHash('sha256').update(await readFile(path.join(dir, rel))).digest('hex')}`)
  }
  return lines.sort()
}

/** listIds, failing the test when docker itself fails (an empty list would pass). */
function checkedIds (list: string[], filters: string[]): string[] {
  const r = listIds(list, filters)
  expect(r.status, r.stderr).toBe(0)
  return r.ids
}

const containersOf = (...filters: string[]): string[] => checkedIds(['ps', '-aq'], filters)

/** This test's spare keepers (keeper-pool.ts). */
const spareKeepers = (): string[] => containersOf(`label=mcloud.owner=${OWNER}`, `label=mcloud.task=${SPARE_KEEPER}`)

const volumesOf = (owner: string): string[] => checkedIds(['volume', 'ls', '-q'], [`label=mcloud.owner=${owner}`])

describe.skipIf(noDocker)('task data through the Docker executor', () => {
  let workRoot: string
  let executor: DockerExecutor

  /** Runs `s` with the hooks in `over`; `stored` is what storeOutput saw (digest of its folder), if it was called. */
  async function exec (s: TaskSpec, over: Partial<TaskRun> = {}): Promise<ExecResult & { logs: Logged, stored?: string[] }> {
    const logs: Logged = { stdout: [], stderr: [], system: [] }
    let stored: string[] | undefined
    const run: TaskRun = {
      taskId: randomBytes(32).toString('hex'),
      epoch: 1,
      spec: s,
      signal: new AbortController().signal,
      onLog: (stream, line) => { logs[stream].push(line) },
      storeOutput: async dir => { stored = await digest(dir); return CID },
      ...over
    }
    const r = await executor.run(run)
    return { ...r, logs, ...(stored === undefined ? {} : { stored }) }
  }

  beforeAll(async () => {
    workRoot = await mkdtemp(path.join(os.tmpdir(), 'mcloud-docker-output-'))
    executor = new DockerExecutor({ workRoot, owner: OWNER })
    await executor.start()
  })
  afterEach(async () => {
    // the task's container, its keeper and the /output volume are all gone, and so is the work dir;
    // what is left is spare keepers made for the next tasks, each with its own (empty) volume
    const spares = spareKeepers()
    expect(containersOf(`label=mcloud.owner=${OWNER}`).filter(id => !spares.includes(id))).toEqual([])
    expect(spares.length).toBeLessThanOrEqual(4)
    expect(volumesOf(OWNER)).toHaveLength(spares.length)
    expect(await readdir(workRoot)).toEqual([])
  })
  afterAll(async () => {
    await executor?.stop()
    // stopping the executor removed its spares: nothing of it is left on the engine
    const left = containersOf(`label=mcloud.owner=${OWNER}`)
    for (const id of left) docker(['rm', '-fv', id])
    expect(left).toEqual([])
    expect(volumesOf(OWNER)).toEqual([])
    if (workRoot !== undefined) await rm(workRoot, { recursive: true, force: true })
  })

  it('takes a spare keeper made ahead of time, empty, so a task\'s /output never holds another task\'s files', async () => {
    const first = await exec(spec(sh('echo one > /output/mine; ls /output')))
    expect(first).toMatchObject({ exitCode: 0, error: null })
    // the spare made after that run is ready before the next run takes it (the pool's own count:
    // the engine lists a spare as soon as it is created, before the pool has it ready)
    await waitFor('a spare keeper', () => executor.keeperStats.ready > 0)
    const before = executor.keeperStats.hits
    const second = await exec(spec(sh('ls -A /output | wc -l; echo two > /output/mine')))
    expect(second).toMatchObject({ exitCode: 0, error: null })
    expect(executor.keeperStats.hits).toBe(before + 1)
    expect(second.logs.stdout).toEqual(['0'])
    expect(second.stored).toEqual([`mine: ${createHash('sha256').update('two\n').digest('hex')}`])
  })

  it('a spare removed behind its back is not handed out: the run makes its own keeper', async () => {
    await exec(spec(sh('true')))
    await waitFor('a spare keeper', () => executor.keeperStats.ready > 0)
    for (const id of spareKeepers()) docker(['rm', '-fv', id])
    const r = await exec(spec(sh('echo ok > /output/x')))
    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(r.stored).toEqual([`x: ${createHash('sha256').update('ok\n').digest('hex')}`])
  })

  it('copies /output out byte for byte (files, a sub-folder, a file of several MB) and reports its CID', async () => {
    const r = await exec(spec(sh([
      'cd /output', 'echo hello > a.txt', 'mkdir -p d/e', 'printf "x%.0s" 1 2 3 > d/b.txt', ': > d/e/empty',
      'head -c 5000000 /dev/urandom > big.bin', 'sha256sum a.txt d/b.txt d/e/empty big.bin'
    ].join(' && '))))
    expect(r).toMatchObject({ exitCode: 0, error: null, resultCid: CID })
    // the task's own sha256sum of each file against what storeOutput's folder held
    const inContainer = r.logs.stdout.map(l => { const [hash, name] = l.split(/\s+/); return `${name}: ${hash}` })
    expect(inContainer).toHaveLength(4)
    expect(r.stored).toEqual([...inContainer, 'd/', 'd/e/'].sort())
  })

  it('keeps the outputs of a task that failed or timed out (for debugging), not of one stopped', async () => {
    const failed = await exec(spec(sh('echo partial > /output/log.txt; exit 3')))
    expect(failed).toMatchObject({ exitCode: 3, error: null, resultCid: CID })
    expect(failed.stored).toEqual([`log.txt: ${createHash('sha256').update('partial\n').digest('hex')}`])

    const timedOut = await exec(spec(sh('echo so-far > /output/log.txt; sleep 30'), { timeoutSec: 1 }))
    expect(timedOut).toMatchObject({ exitCode: null, error: 'timed out after 1 s', resultCid: CID })
    expect(timedOut.stored).toHaveLength(1)

    const ac = new AbortController()
    const stopped = await exec(spec(sh('echo x > /output/x; echo ready; sleep 30')), {
      signal: ac.signal,
      onLog: (_stream, line) => { if (line === 'ready') ac.abort('cancelled by submitter') }
    })
    expect(stopped).toMatchObject({ exitCode: null, error: 'stopped: cancelled by submitter' })
    expect(stopped.stored).toBeUndefined()
    expect(stopped.resultCid).toBeUndefined()
  })

  it('fails a task whose output is larger than the provider\'s cap, with no CID', async () => {
    const r = await exec(spec(sh('head -c 2097152 /dev/zero > /output/big; echo small > /output/small')), { maxOutputBytes: 2 ** 20 })
    expect(r).toMatchObject({ exitCode: 0, error: 'output larger than 1 MiB (the provider\'s limit)', resultCid: null })
    expect(r.stored).toBeUndefined()
  })

  it('leaves symlinks, hard links and fifos out of the outputs, saying so', async () => {
    const r = await exec(spec(sh('echo ok > /output/ok; ln -s /etc/passwd /output/passwd; ln /output/ok /output/hard; mkfifo /output/pipe')))
    expect(r).toMatchObject({ exitCode: 0, error: null, resultCid: CID })
    // one of the two hard-linked names is the file, the other a link to it
    expect(r.stored).toHaveLength(1)
    expect(r.stored?.[0]).toMatch(new RegExp(`^(ok|hard): ${createHash('sha256').update('ok\n').digest('hex')}$`))
    const line = r.logs.system.find(l => l.startsWith('left out of the outputs (not regular files or folders): '))
    expect(line?.split(': ')[1]?.split(', ').sort()).toEqual([r.stored?.[0]?.startsWith('ok') === true ? 'hard' : 'ok', 'passwd', 'pipe'].sort())
  })

  it('fails the task with storeOutput\'s message when storing fails', async () => {
    const r = await exec(spec(sh('echo x > /output/x')), { storeOutput: async () => { throw new Error('content store is full') } })
    expect(r).toMatchObject({ exitCode: 0, error: 'content store is full', resultCid: null })
    expect(r.infrastructure).toBeFalsy()
  })

  it('the kept /output is the same bounded tmpfs as any task\'s', async () => {
    const r = await exec(spec(sh('grep " /output " /proc/mounts')))
    expect(r.exitCode).toBe(0)
    expect(r.logs.stdout).toHaveLength(1)
    expect(r.logs.stdout[0]).toMatch(/^\S+ \/output tmpfs rw,nosuid,nodev,noexec,.*size=262144k/)
  })

  it('a task without storeOutput runs as before: no keeper, no resultCid', async () => {
    const r = await exec(spec(sh('echo x > /output/x; echo done')), { storeOutput: undefined })
    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(r).not.toHaveProperty('resultCid')
  })

  describe('inputs', () => {
    it('mounts what prepareInput wrote at /input, readable (whatever its mode) and not writable', async () => {
      const r = await exec(spec(sh('cat /input/data.txt; cat /input/sub/secret.txt; touch /input/new 2>/dev/null; echo "create=$?"; echo y >> /input/data.txt 2>/dev/null; echo "append=$?"')), {
        prepareInput: async dir => {
          await writeFile(path.join(dir, 'data.txt'), 'from the store\n')
          await mkdir(path.join(dir, 'sub'), { mode: 0o700 })
          await writeFile(path.join(dir, 'sub', 'secret.txt'), 'owner only\n', { mode: 0o600 })
        }
      })
      expect(r).toMatchObject({ exitCode: 0, error: null })
      expect(r.logs.stdout).toEqual(['from the store', 'owner only', 'create=1', 'append=1'])
    })

    it('hands the task back (infrastructure) with prepareInput\'s message, creating no container', async () => {
      const taskId = randomBytes(32).toString('hex')
      const r = await exec(spec(['true']), { taskId, prepareInput: async () => { throw new Error('no peer has bafy…x (inputs/data.txt)') } })
      expect(r).toMatchObject({ exitCode: null, error: 'no peer has bafy…x (inputs/data.txt)', infrastructure: true })
      expect(r.stored).toBeUndefined()
      expect(containersOf(`label=mcloud.task=${taskId}`)).toEqual([])
    })

    it('does not count the input fetch against the task\'s timeout', async () => {
      const r = await exec(spec(sh('sleep 1; echo done'), { timeoutSec: 2 }), { prepareInput: async () => { await delay(2_500) } })
      expect(r).toMatchObject({ exitCode: 0, error: null })
      expect(r.logs.stdout).toEqual(['done'])
      expect(r.durationMs).toBeGreaterThan(3_400)
    })

    it('stops a fetch when the run is aborted, as stopped', async () => {
      const ac = new AbortController()
      setTimeout(() => { ac.abort('fenced') }, 300)
      const startedAt = performance.now()
      const r = await exec(spec(['true']), {
        signal: ac.signal,
        prepareInput: async (_dir, signal) => { await delay(30_000, undefined, { signal }) }
      })
      expect(r).toMatchObject({ exitCode: null, error: 'stopped: fenced' })
      expect(r.infrastructure).toBeFalsy()
      expect(performance.now() - startedAt).toBeLessThan(5_000)
    })
  })
})
