// Task inputs and outputs end to end (issue 8), with real peers, the real Docker engine and the
// real content store: a 50 MB input reaches the provider and is byte-identical inside the
// container; outputs come back to the submitter byte-identical, by themselves and on demand; with
// the submitter gone, a re-claimed task gets its input from the provider that fetched it before;
// an input nobody can serve fails the task with a clear error after a bounded wait.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import { createPeer, type Peer } from '../../src/main/peer/index.js'
import { quietSampler, startCluster, waitFor, waitForEnd, type Cluster } from '../helpers/cluster.js'
import { containerIds, docker, dockerAvailable, TEST_IMAGE } from '../helpers/docker.js'
import { sha256File } from '../helpers/files.js'

const OWNER = `mcloud-data-test-${process.pid}`
const MB = 1024 * 1024

describe.skipIf(!dockerAvailable())('task inputs and outputs between peers', () => {
  let cluster: Cluster
  let dir: string
  let bigFile: string
  let bigHash: string
  const submitter = (): Peer => cluster.peers[0]!
  const first = (): Peer => cluster.peers[1]!
  const second = (): Peer => cluster.peers[2]!

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-data-'))
    bigFile = path.join(dir, 'big.bin')
    await writeFile(bigFile, randomBytes(50 * MB))
    bigHash = await sha256File(bigFile)
    cluster = await startCluster(3, i => ({
      data: { fetchStallMs: 3000 },
      ...(i === 0 ? {} : { executor: new DockerExecutor({ owner: OWNER }), slots: 2, sharing: { mode: i === 1 ? 'on' : 'paused', maxOwnerCpuPct: 100 } })
    }))
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
    const ids = containerIds(`label=mcloud.owner=${OWNER}`)
    if (ids.length > 0) docker(['rm', '-f', '-v', ...ids])
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('mounts a 50 MB input byte-identical at /input and brings the outputs back byte-identical', async () => {
    const folder = path.join(dir, 'dataset')
    await mkdir(path.join(folder, 'sub'), { recursive: true })
    await writeFile(path.join(folder, 'a.txt'), 'alpha\n')
    await writeFile(path.join(folder, 'sub', 'b.txt'), 'beta\n')
    const script = [
      'sha256sum /input/big.bin', 'cat /input/dataset/a.txt /input/dataset/sub/b.txt',
      // read-only: the task cannot change what it was given
      'touch /input/big.bin 2>/dev/null; echo "write=$?"',
      'mkdir -p /output/deep && cp /input/big.bin /output/copy.bin && echo done > /output/deep/note.txt'
    ].join('; ')
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['sh', '-c', script], memoryMb: 128, timeoutSec: 120, inputPaths: [bigFile, folder] })
    const mine = await submitter().getTask(taskId)
    expect(mine.inputs).toEqual([
      { name: 'big.bin', cid: expect.stringMatching(/^b/), bytes: 50 * MB },
      { name: 'dataset', cid: expect.stringMatching(/^b/), bytes: 11 }
    ])
    const task = await waitForEnd(submitter(), taskId, 60_000, 200)
    expect(task).toMatchObject({ status: 'succeeded', holder: first().peerId, resultCid: expect.stringMatching(/^b/) })
    const lines = (await first().taskLogs(taskId)).lines
    const out = lines.filter(l => l.stream === 'stdout').map(l => l.line)
    expect(out).toEqual([`${bigHash}  /input/big.bin`, 'alpha', 'beta', 'write=1'])
    // the task's log says what happened before it ran, for whoever follows it
    const system = lines.filter(l => l.stream === 'system').map(l => l.line)
    expect(system).toContain('inputs: fetching 2 (52.4 MB)')
    expect(system.some(l => /^inputs: ready in \d+\.\d s$/.test(l)), system.join('\n')).toBe(true)

    // The submitter fetched the outputs by itself into its data dir.
    const saved = await waitFor('the outputs to be saved', async () => (await submitter().getTask(taskId)).outputsDir ?? undefined, 30_000, 200)
    expect(saved).toBe(path.join((await submitter().status()).dataDir, 'outputs', taskId))
    expect(await sha256File(path.join(saved, 'copy.bin'))).toBe(bigHash)
    expect(await readFile(path.join(saved, 'deep', 'note.txt'), 'utf8')).toBe('done\n')

    // And on demand into any folder, with progress events.
    const progress: Array<{ bytes: number, done: boolean }> = []
    const off = submitter().subscribe(e => { if (e.type === 'transfer:progress' && e.taskId === taskId) progress.push(e) })
    const target = path.join(dir, 'got')
    const got = await submitter().downloadOutputs(taskId, { dir: target })
    off()
    expect(got).toMatchObject({ taskId, cid: task.resultCid, dir: target, bytes: 50 * MB + 5 })
    expect(await sha256File(path.join(target, 'copy.bin'))).toBe(bigHash)
    expect(progress.at(-1)).toMatchObject({ done: true })
    expect(progress.at(-1)).not.toHaveProperty('error')
  }, 120_000)

  it('with the submitter gone, a re-claimed task gets its input from the provider that has it', async () => {
    const input = path.join(dir, 'seeded.bin')
    await writeFile(input, randomBytes(8 * MB))
    const hash = await sha256File(input)
    const { taskId } = await submitter().submitTask({
      image: TEST_IMAGE, command: ['sh', '-c', 'sha256sum /input/seeded.bin; sleep 20'], memoryMb: 64, timeoutSec: 120, inputPaths: [input]
    })
    // The first provider fetched the input from the submitter and runs the task.
    await waitFor('the first provider to run it', async () => {
      const lines = (await first().taskLogs(taskId).catch(() => ({ lines: [] }))).lines
      return lines.some(l => l.line === `${hash}  /input/seeded.bin`)
    }, 60_000, 200)
    // The submitter leaves; the second provider starts lending; the first hands the task back.
    await submitter().stop()
    await second().updateSharing({ mode: 'on' })
    await first().handBackTask(taskId)
    const running = await waitFor('the second provider to run it', async () => {
      const lines = (await second().taskLogs(taskId).catch(() => ({ lines: [] }))).lines
      return lines.some(l => l.line === `${hash}  /input/seeded.bin`) ? lines : undefined
    }, 60_000, 200)
    expect(running.length).toBeGreaterThan(0)
    expect((await second().getTask(taskId)).holder).toBe(second().peerId)
  }, 150_000)

  it('fails a task whose input nobody can serve, with a clear error after a bounded wait', async () => {
    await first().updateSharing({ mode: 'paused' })
    await second().updateSharing({ mode: 'paused' })
    // peer 0 (the cluster's bootstrap) is gone: this one joins through the first provider
    const late = await createPeer({
      dataDir: path.join(cluster.root, 'late'), name: 'late', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [first().node.getMultiaddrs()[0]!.toString()],
      orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: null, leaseTtlMs: 3000, sampler: quietSampler(), data: { fetchStallMs: 3000 }
    })
    await waitFor('the newcomer to join', () => late.node.getPeers().length >= 2, 20_000)
    const input = path.join(dir, 'gone.bin')
    await writeFile(input, randomBytes(2 * MB))
    const { taskId } = await late.submitTask({ image: TEST_IMAGE, command: ['true'], memoryMb: 64, timeoutSec: 60, maxAttempts: 1, inputPaths: [input] })
    await waitFor('the task to reach a provider', async () => (await second().getTask(taskId).catch(() => undefined))?.inputs?.length === 1, 20_000, 200)
    // Its only seeder goes before any provider fetched the input.
    await late.stop()
    const started = Date.now()
    await second().updateSharing({ mode: 'on' })
    const task = await waitForEnd(second(), taskId, 60_000, 200)
    expect(task.status).toBe('failed')
    expect(task.error).toMatch(/^gave up after 1 attempts: input "gone\.bin" \(b[a-z2-7]+\): .*could not be fetched/)
    // one stall (3 s) and a re-claim, not a hang
    expect(Date.now() - started).toBeLessThan(45_000)
  }, 90_000)
})
