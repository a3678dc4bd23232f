// The owner comes first, with real peers and the real Docker engine: capacity decides who claims,
// "stop now" hands work to another peer at once, idle-only suspends and hands back, snooze ends
// by itself, and `mcloud why` names each peer's reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import { runCli } from '../../src/main/cli/run.js'
import type { Peer } from '../../src/main/peer/index.js'
import { StaticSampler } from '../../src/main/resources/index.js'
import { quietSampler, startCluster, waitFor, type Cluster } from '../helpers/cluster.js'
import { containerIds, docker, dockerAvailable, TEST_IMAGE } from '../helpers/docker.js'

const OWNER = 'mcloud-sharing-test'

function stateOf (peer: Peer, taskId: string): Promise<{ status: string, holder: string | null, epoch: number, error: string | null }> {
  return peer.getTask(taskId)
}

/** docker inspect of the container running `taskId`, or undefined. */
function containerState (taskId: string): { Paused: boolean, Running: boolean } | undefined {
  const ids = docker(['ps', '-q', '--filter', `label=mcloud.task=${taskId}`]).stdout.trim().split('\n').filter(Boolean)
  if (ids.length === 0) return undefined
  const r = docker(['inspect', '--format', '{{json .State}}', ids[0]!])
  return r.status === 0 ? JSON.parse(r.stdout) as { Paused: boolean, Running: boolean } : undefined
}

describe.skipIf(!dockerAvailable())('sharing policy and placement', () => {
  let cluster: Cluster
  // Scripted user idle time of provider 1 (seconds); the others have no idle source.
  let idleSec = 3600
  // The machine load each provider sees: scripted, like the idle time.
  const samplers: StaticSampler[] = [quietSampler(), quietSampler(), quietSampler()]
  beforeAll(async () => {
    cluster = await startCluster(3, i => i === 0
      ? { apiPort: 0 }
      : {
          executor: new DockerExecutor({ owner: `${OWNER}-${i}` }),
          sampler: samplers[i],
          idleSource: i === 1 ? () => idleSec : undefined,
          // Memory caps differ so some tasks fit only one provider.
          sharing: { mode: 'on', maxMemoryMb: i === 1 ? 512 : 2048, maxCpu: 2, maxTasks: 2, maxOwnerCpuPct: 100 }
        })
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
    for (const i of [1, 2]) {
      const ids = containerIds(`label=mcloud.owner=${OWNER}-${i}`)
      if (ids.length > 0) docker(['rm', '-f', '-v', ...ids])
    }
  })

  const submitter = (): Peer => cluster.peers[0]!
  const small = (): Peer => cluster.peers[1]!
  const big = (): Peer => cluster.peers[2]!

  it('a task that fits only one provider is claimed only by it', async () => {
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo fits; sleep 1'], memoryMb: 1024, timeoutSec: 60 })
    const done = await waitFor('the task to succeed', async () => {
      const t = await stateOf(submitter(), taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 60_000)
    expect(done.holder).toBe(big().peerId)
    expect(done.epoch).toBe(1)
  })

  it('runs several tasks at once when they fit, and no more than fit', async () => {
    await small().updateSharing({ mode: 'paused' })
    // peer-2 lends 2 CPUs: two 1-CPU tasks run side by side, the third waits for room. A task
    // holds its room from its start until its container exits (its outputs are then collected and
    // its result written off the slot), or until its lease ends without an exit.
    const running = new Set<string>()
    let peak = 0
    const off = big().bus.on(e => {
      if (e.type === 'task:running') { running.add(e.taskId); peak = Math.max(peak, running.size) }
      if (e.type === 'task:exited' || e.type === 'lease:committed' || e.type === 'lease:released' || e.type === 'lease:fenced') running.delete(e.taskId)
    })
    const ids = await Promise.all([0, 1, 2].map(async i => (await submitter().submitTask({
      image: TEST_IMAGE, command: ['sh', '-c', `echo task ${i}; sleep 2`], cpu: 1, memoryMb: 64, timeoutSec: 60
    })).taskId))
    await waitFor('all three to succeed', async () => (await Promise.all(ids.map(async id => await stateOf(submitter(), id)))).every(t => t.status === 'succeeded'), 60_000)
    off()
    expect(peak).toBe(2)
    await small().updateSharing({ mode: 'on' })
  })

  it('`mcloud why` names each peer\'s reason for a task nobody can take', async () => {
    await small().updateSharing({ mode: 'paused' })
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['true'], memoryMb: 8192, timeoutSec: 60 })
    await waitFor('the providers to see the task', () => cluster.peers.every(p => p.scheduler !== undefined) && big().lending.view().claiming, 10_000)
    const out: string[] = []
    const err: string[] = []
    const dataDir = (await submitter().status()).dataDir
    const code = await runCli(['why', taskId.slice(0, 10), '--data-dir', dataDir], {
      stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env: {}
    })
    const text = out.join('')
    expect(err.join('')).toBe('')
    expect(code).toBe(0)
    expect(text).toContain('no peer can take it now')
    expect(text).toMatch(/peer-1\s+paused\s+paused by the owner/)
    expect(text).toMatch(/peer-2\s+too-much-memory\s+needs 8(\.0)? GiB memory/)
    expect(text).toMatch(/peer-0\s+no-executor/)
    await submitter().cancelTask(taskId)
    await small().updateSharing({ mode: 'on' })
  })

  it('a busy owner lends less: a task waits while the owner\'s CPU is taken, then runs', async () => {
    await small().updateSharing({ mode: 'paused' })
    // The owner's programs use 90% of both cores: less than 1 CPU is lendable on peer-2.
    samplers[2]!.set({ cpuBusyPct: 90 })
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['true'], cpu: 1, memoryMb: 64, timeoutSec: 60 })
    const why = await waitFor('peer-2 to see the task', async () => {
      const w = await submitter().whyTask(taskId)
      return w.answers.find(a => a.name === 'peer-2')?.code === 'too-much-cpu' ? w : undefined
    }, 10_000)
    expect(why.answers.find(a => a.name === 'peer-2')?.message).toMatch(/needs 1 CPU/)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect((await stateOf(submitter(), taskId)).status).toBe('queued')
    // The owner's programs finish: the task is claimed and runs.
    samplers[2]!.set({ cpuBusyPct: 5 })
    const done = await waitFor('the task to succeed', async () => {
      const t = await stateOf(submitter(), taskId)
      return t.status === 'succeeded' ? t : undefined
    }, 30_000)
    expect(done.holder).toBe(big().peerId)
    await small().updateSharing({ mode: 'on' })
  })

  it('"stop now" on the holder: the task runs on another peer in under 2 s', async () => {
    await big().updateSharing({ mode: 'paused' })
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo started; sleep 60'], memoryMb: 128, timeoutSec: 120 })
    await waitFor('the task to run on peer-1', async () => {
      const t = await stateOf(submitter(), taskId)
      return t.status === 'running' && t.holder === small().peerId
    }, 60_000)
    await big().updateSharing({ mode: 'on' })
    const started = performance.now()
    const { handedBack } = await small().stopNow()
    expect(handedBack).toEqual([taskId])
    await waitFor('peer-2 to run it', () => big().scheduler.isRunning(taskId) && containerState(taskId)?.Running === true, 10_000, 20)
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(2000)
    // The lender's own view: the task runs here, since a moment ago (the owner sees the elapsed time).
    const here = await waitFor('peer-2 to list it as running here', async () => {
      const t = await big().getTask(taskId)
      return t.runningHere ? t : undefined
    }, 5000)
    expect(Date.now() - here.runningHereSince!).toBeLessThan(5000)
    expect((await small().sharing()).effective).toBe('paused')
    await submitter().cancelTask(taskId)
    await small().updateSharing({ mode: 'on' })
  })

  it('idle-only: suspended within 1 s of the user returning, resumed after idle, handed back after T', async () => {
    idleSec = 3600
    await big().updateSharing({ mode: 'paused' })
    await small().updateSharing({ mode: 'idle-only', idleStartMin: 0.01, idleResumeMin: 0.02, handBackMin: 0.1 })
    const { taskId } = await submitter().submitTask({
      image: TEST_IMAGE, command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done'], memoryMb: 128, timeoutSec: 300
    })
    await waitFor('the task to run on peer-1', () => containerState(taskId)?.Running === true && small().scheduler.isRunning(taskId), 60_000)

    // The user comes back: the container is paused at once.
    idleSec = 0
    const back = performance.now()
    await waitFor('the container to be paused', () => containerState(taskId)?.Paused === true, 5000, 20)
    expect(performance.now() - back).toBeLessThan(1000)
    expect((await small().sharing()).suspendedTasks).toBe(1)

    // Idle again for longer than M (1.2 s): it resumes.
    idleSec = 3600
    await waitFor('the container to resume', () => containerState(taskId)?.Paused === false, 5000, 20)
    expect(small().scheduler.isRunning(taskId)).toBe(true)

    // Back for longer than T (6 s): handed back, and another peer runs it.
    await big().updateSharing({ mode: 'on' })
    idleSec = 0
    const suspendedAt = performance.now()
    await waitFor('peer-2 to run it', () => big().scheduler.isRunning(taskId), 30_000)
    expect(performance.now() - suspendedAt).toBeGreaterThanOrEqual(6000)
    const state = await stateOf(submitter(), taskId)
    expect(state.holder).toBe(big().peerId)
    expect(state.epoch).toBeGreaterThanOrEqual(3)
    await submitter().cancelTask(taskId)
    idleSec = 3600
    await small().updateSharing({ mode: 'on' })
  })

  it('a peer whose Docker engine does not answer keeps running, says so, and claims nothing', async () => {
    const { default: Dockerode } = await import('dockerode')
    const broken = await cluster.add({ name: 'peer-3', executor: new DockerExecutor({ docker: new Dockerode({ socketPath: '/nonexistent/docker.sock' }) }), sampler: quietSampler() })
    expect((await broken.status()).executor).toBe('docker unavailable (claims nothing until it answers)')
    expect(broken.lending.view().claiming).toBe(false)
    await waitFor('its meta to say docker is not ok', async () => (await submitter().peers()).find(p => p.peerId === broken.peerId)?.meta?.dockerOk === false, 15_000)
    const { taskId } = await submitter().submitTask({ image: TEST_IMAGE, command: ['true'], memoryMb: 8192, timeoutSec: 60 })
    const why = await waitFor('peer-3 to answer', async () => {
      const w = await submitter().whyTask(taskId)
      return w.answers.some(a => a.name === 'peer-3') ? w : undefined
    }, 10_000)
    expect(why.answers.find(a => a.name === 'peer-3')).toMatchObject({ code: 'docker-unavailable' })
    await submitter().cancelTask(taskId)
    await broken.stop()
    cluster.peers.pop()
  })

  it('a snooze pauses lending and ends by itself', async () => {
    const changes: string[] = []
    const off = small().bus.on(e => { if (e.type === 'sharing:changed') changes.push(e.lending.effective) })
    await small().updateSharing({ snooze: { until: Date.now() + 1500 } })
    const during = await small().sharing()
    expect(during.effective).toBe('snoozed')
    expect(during.claiming).toBe(false)
    expect(during.reason).toMatch(/snoozed until/)
    await waitFor('the snooze to end', async () => (await small().sharing()).effective === 'on', 5000)
    const after = await small().sharing()
    expect(after.settings.snooze).toBeNull()
    expect(after.claiming).toBe(true)
    expect(changes).toContain('snoozed')
    expect(changes.at(-1)).toBe('on')
    off()
  })
})
