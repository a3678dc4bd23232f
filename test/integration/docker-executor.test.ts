// The product's Docker executor against the real engine and the local busybox image.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import Dockerode from 'dockerode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PIDS_LIMIT } from '../../src/main/executor/docker/constants.js'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import type { ExecResult, TaskRun } from '../../src/main/executor/index.js'
import type { TaskSpec } from '../../src/shared/index.js'
import { bridgeGateway, docker, listIds, readSetup, TEST_IMAGE, taskSpec } from '../helpers/docker.js'

const setup = readSetup()
const noDocker = setup?.docker === false
if (noDocker) console.warn('docker-executor.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

// the daemon-gone test cuts a unix-socket proxy in front of the engine
const dockerSocket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').match(/^unix:\/\/(.+)$/)?.[1]

// containers of this file only: other suites may share the engine
const OWNER = `docker-executor-test-${process.pid}`

interface Logged { stdout: string[], stderr: string[], system: string[] }

const spec = taskSpec

function taskRun (s: TaskSpec, signal = new AbortController().signal): { run: TaskRun, logs: Logged } {
  const logs: Logged = { stdout: [], stderr: [], system: [] }
  return { run: { taskId: randomBytes(32).toString('hex'), epoch: 1, spec: s, signal, onLog: (stream, line) => { logs[stream].push(line) } }, logs }
}

/** Polls `ready` every 20 ms; fails the test when it is not true within `ms`. */
async function until (ready: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await delay(20)
  }
}

/** `docker inspect` of the container running a task: its State.Paused. */
function pausedState (taskId: string): boolean {
  const id = docker(['ps', '-q', '--filter', `label=mcloud.task=${taskId}`]).stdout.trim()
  expect(id, `no container of task ${taskId}`).not.toBe('')
  const r = docker(['inspect', '-f', '{{json .State.Paused}}', id])
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as boolean
}

function leftoverContainers (): string[] {
  const r = listIds(['ps', '-aq'], [`label=mcloud.owner=${OWNER}`])
  expect(r.status, r.stderr).toBe(0)
  return r.ids
}

describe.skipIf(noDocker)('DockerExecutor on the real engine', () => {
  let workRoot: string
  let executor: DockerExecutor
  const sh = (script: string): string[] => ['sh', '-c', script]
  const exec = async (s: TaskSpec, signal?: AbortSignal): Promise<ExecResult & { logs: Logged }> => {
    const { run, logs } = taskRun(s, signal)
    return { ...(await executor.run(run)), logs }
  }

  beforeAll(async () => {
    workRoot = await mkdtemp(path.join(os.tmpdir(), 'mcloud-docker-exec-'))
    executor = new DockerExecutor({ workRoot, owner: OWNER })
    await executor.start()
  })
  afterEach(async () => {
    expect(leftoverContainers()).toEqual([])
    expect(await readdir(workRoot)).toEqual([])
  })
  afterAll(async () => {
    await executor?.stop()
    for (const id of leftoverContainers()) docker(['rm', '-f', '-v', id])
    if (workRoot !== undefined) await rm(workRoot, { recursive: true, force: true })
  })

  it('is available and streams stdout and stderr line by line, with the env, exit 0', async () => {
    expect(await executor.available()).toBe(true)
    const r = await exec(spec(sh('echo one; echo "$GREETING"; echo err1 >&2; printf "no newline"'), { env: { GREETING: 'hello there' } }))
    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(r.logs.stdout).toEqual(['one', 'hello there', 'no newline'])
    expect(r.logs.stderr).toEqual(['err1'])
    expect(r.durationMs).toBeGreaterThan(0)
  })

  it('cuts a runaway line at 8 KiB with a marker and carries on', async () => {
    const r = await exec(spec(sh('head -c 100000 /dev/zero | tr "\\0" a; echo; echo after')))
    expect(r.exitCode).toBe(0)
    expect(r.logs.stdout).toHaveLength(2)
    expect(r.logs.stdout[0]).toMatch(/^a{8192} …\[line cut at 8 KiB\]$/)
    expect(r.logs.stdout[1]).toBe('after')
  })

  it('reports the exit code', async () => {
    expect(await exec(spec(sh('exit 3')))).toMatchObject({ exitCode: 3, error: null })
  })

  it('kills a task at its timeout', async () => {
    const r = await exec(spec(['sleep', '30'], { timeoutSec: 1 }))
    expect(r).toMatchObject({ exitCode: null, error: 'timed out after 1 s' })
    expect(r.durationMs).toBeLessThan(3_000)
  })

  it('stops a running task within 1 s of an abort', async () => {
    const ac = new AbortController()
    const { run, logs } = taskRun(spec(sh('echo ready; sleep 30')), ac.signal)
    let abortedAt = 0
    const onLog = run.onLog
    run.onLog = (stream, line) => {
      onLog(stream, line)
      if (line === 'ready') { abortedAt = performance.now(); ac.abort('cancelled by submitter') }
    }
    const r = await executor.run(run)
    expect(logs.stdout).toEqual(['ready'])
    expect(r).toMatchObject({ exitCode: null, error: 'stopped: cancelled by submitter' })
    expect(performance.now() - abortedAt).toBeLessThan(1_000)
  })

  describe('network', () => {
    // a service on the host, reachable from a container on the default bridge at its gateway
    // (busybox wget segfaults in this image, so the probe is nc)
    let server: net.Server
    let target: string
    beforeAll(async () => {
      server = net.createServer(socket => { socket.end('mcloud-net-ok\n') })
      await new Promise<void>(resolve => server.listen(0, '0.0.0.0', resolve))
      const gateway = bridgeGateway()
      expect(gateway).not.toBe('')
      target = `${gateway} ${(server.address() as net.AddressInfo).port}`
    })
    afterAll(() => { server?.close() })
    const probe = (): string[] => sh(`ls /sys/class/net; nc -w 3 ${target} </dev/null; echo "nc=$?"`)

    it('gives the task no network', async () => {
      const r = await exec(spec(probe()))
      expect(r.exitCode).toBe(0)
      expect(r.logs.stdout).toEqual(['lo', 'nc=1'])
      expect(r.logs.stderr.join('\n')).toMatch(/Network is unreachable/)
    })

    it('gives a network to a task that asks for it only where the owner allows it, from the next run on', async () => {
      const denied = await exec(spec(probe(), { network: true }))
      expect(denied.logs.stdout).toEqual(['lo', 'nc=1'])
      expect(denied.logs.system).toContain('network: asked for but not allowed on this peer, running without')

      const allowing = new DockerExecutor({ workRoot, owner: OWNER, allowNetwork: true })
      const { run, logs } = taskRun(spec(probe(), { network: true }))
      expect(await allowing.run(run)).toMatchObject({ exitCode: 0, error: null })
      expect(logs.stdout).toEqual(['eth0', 'lo', 'mcloud-net-ok', 'nc=0'])
      expect(logs.system).toContain('network: on (bridge)')
      // a task that did not ask gets none, whatever the policy
      const { run: quiet, logs: quietLogs } = taskRun(spec(probe()))
      await allowing.run(quiet)
      expect(quietLogs.stdout).toEqual(['lo', 'nc=1'])

      // the owner turns it off at runtime
      allowing.setAllowNetwork(false)
      const { run: after, logs: afterLogs } = taskRun(spec(probe(), { network: true }))
      await allowing.run(after)
      expect(afterLogs.stdout).toEqual(['lo', 'nc=1'])
      executor.setAllowNetwork(true)
      try {
        expect((await exec(spec(probe(), { network: true }))).logs.stdout).toContain('eth0')
      } finally {
        executor.setAllowNetwork(false)
      }
    })
  })

  it('delivers a line while the task runs, not at its exit', async () => {
    const { run, logs } = taskRun(spec(sh('echo first; sleep 2; echo last')))
    let firstAt = 0
    const onLog = run.onLog
    run.onLog = (stream, line) => {
      onLog(stream, line)
      if (line === 'first') firstAt = performance.now()
    }
    const r = await executor.run(run)
    const endedAt = performance.now()
    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(logs.stdout).toEqual(['first', 'last'])
    expect(firstAt).toBeGreaterThan(0)
    expect(endedAt - firstAt).toBeGreaterThan(1_500)
  })

  it('holds a fork bomb at the pids limit; the run ends and the engine runs the next task', async () => {
    const bomb = 'i=0; while [ $i -lt 2000 ]; do sleep 30 & i=$((i+1)); done; echo spawned'
    // the outer shell counts with builtins only (glob + echo): once the bomb holds every pid it cannot fork
    const r = await exec(spec(sh(`sh -c '${bomb}'; echo "bomb exit $?"; set -- /proc/[0-9]*; echo "processes $#"`)))
    expect(r).toMatchObject({ exitCode: 0, error: null })
    expect(r.logs.stderr.join('\n')).toMatch(/can't fork|Resource temporarily unavailable/)
    expect(r.logs.stdout).not.toContain('spawned')
    expect(r.logs.stdout).toContain('bomb exit 2')
    const processes = Number(r.logs.stdout.find(l => l.startsWith('processes '))?.slice('processes '.length))
    // it reached the limit, and never passed it
    expect(processes).toBeGreaterThan(PIDS_LIMIT - 10)
    expect(processes).toBeLessThanOrEqual(PIDS_LIMIT)
    expect(r.durationMs).toBeLessThan(15_000)
    const next = await exec(spec(sh('echo fine')))
    expect(next).toMatchObject({ exitCode: 0, error: null })
    expect(next.logs.stdout).toEqual(['fine'])
  })

  describe('suspend and resume', () => {
    it('freezes a task at once and lets it go on where it was', async () => {
      const { run, logs } = taskRun(spec(sh('i=0; while [ $i -lt 30 ]; do echo $i; i=$((i+1)); sleep 0.1; done')))
      const running = executor.run(run)
      await until(() => logs.stdout.length >= 5)
      expect(await executor.suspend(run.taskId)).toBe(true)
      // a line written just before the pause may still be on its way
      await delay(150)
      const atPause = logs.stdout.length
      expect(pausedState(run.taskId)).toBe(true)
      await delay(1_000)
      expect(logs.stdout).toHaveLength(atPause)
      expect(await executor.suspend(run.taskId)).toBe(true)

      expect(await executor.resume(run.taskId)).toBe(true)
      expect(pausedState(run.taskId)).toBe(false)
      await until(() => logs.stdout.length > atPause)
      const r = await running
      expect(r).toMatchObject({ exitCode: 0, error: null })
      expect(logs.stdout).toEqual([...Array(30).keys()].map(String))
      expect(logs.system).toEqual(['suspended: the container is paused', 'resumed'])
      expect(await executor.suspend(run.taskId)).toBe(false)
      expect(await executor.resume(run.taskId)).toBe(false)
    })

    it('does not count suspended time against the timeout, only running time', async () => {
      const { run, logs } = taskRun(spec(sh('echo start; sleep 1; echo done'), { timeoutSec: 2 }))
      const running = executor.run(run)
      await until(() => logs.stdout.includes('start'))
      expect(await executor.suspend(run.taskId)).toBe(true)
      await delay(2_500)
      expect(await executor.resume(run.taskId)).toBe(true)
      const r = await running
      expect(r).toMatchObject({ exitCode: 0, error: null })
      expect(logs.stdout).toEqual(['start', 'done'])
      expect(r.durationMs).toBeGreaterThan(2_500)

      // and the clock goes on after a resume: 2 s of running time, whatever the pause
      const { run: long, logs: longLogs } = taskRun(spec(sh('echo start; sleep 30'), { timeoutSec: 2 }))
      const longRunning = executor.run(long)
      await until(() => longLogs.stdout.includes('start'))
      await executor.suspend(long.taskId)
      await delay(1_500)
      await executor.resume(long.taskId)
      const timedOut = await longRunning
      expect(timedOut).toMatchObject({ exitCode: null, error: 'timed out after 2 s' })
      expect(timedOut.durationMs).toBeGreaterThan(3_400)
      expect(timedOut.durationMs).toBeLessThan(6_000)
    })

    it('stops a suspended task within 2 s of an abort', async () => {
      const ac = new AbortController()
      const { run, logs } = taskRun(spec(sh('echo ready; sleep 30')), ac.signal)
      const running = executor.run(run)
      await until(() => logs.stdout.includes('ready'))
      expect(await executor.suspend(run.taskId)).toBe(true)
      // The first line can arrive before the executor has seen the container's start; suspend then
      // answers true and the pause lands a moment later (CI saw it not yet paused once).
      await until(() => pausedState(run.taskId), 2_000)
      const abortedAt = performance.now()
      ac.abort('fenced')
      expect(await running).toMatchObject({ exitCode: null, error: 'stopped: fenced' })
      expect(performance.now() - abortedAt).toBeLessThan(2_000)
    })

    it('starts a task suspended during its set-up paused, and runs it on resume', async () => {
      const { run, logs } = taskRun(spec(sh('sleep 1; echo ran')))
      const running = executor.run(run)
      expect(await executor.suspend(run.taskId)).toBe(true)
      await until(() => docker(['ps', '-q', '--filter', `label=mcloud.task=${run.taskId}`]).stdout.trim() !== '')
      await delay(2_000)
      expect(pausedState(run.taskId)).toBe(true)
      expect(logs.stdout).toEqual([])
      expect(await executor.resume(run.taskId)).toBe(true)
      expect(await running).toMatchObject({ exitCode: 0, error: null })
      expect(logs.stdout).toEqual(['ran'])
    })

    it('answers false for a task it is not running', async () => {
      expect(await executor.suspend('no-such-task')).toBe(false)
      expect(await executor.resume('no-such-task')).toBe(false)
    })
  })

  it('runs as nobody on a read-only root with writable /tmp and /output', async () => {
    const r = await exec(spec(sh('id -u; touch /x 2>/dev/null; echo "root=$?"; touch /tmp/y && echo tmp-ok; touch /output/z && echo out-ok; ls /input && echo in-ok; touch /input/w 2>/dev/null; echo "input=$?"')))
    expect(r.exitCode).toBe(0)
    expect(r.logs.stdout).toEqual(['65534', 'root=1', 'tmp-ok', 'out-ok', 'in-ok', 'input=1'])
  })

  it('reports an out-of-memory kill with the limit', async () => {
    const r = await exec(spec(sh('x=a; while true; do x=$x$x; done'), { memoryMb: 32 }))
    // The engine's OOM flag can come late or never on cgroup v2 (exit-reason.ts): either way the user is told
    expect(r.exitCode).toBe(137)
    expect(r.error).toMatch(/^(killed \(SIGKILL\), most likely )?out of memory \(limit 32 MiB\)$/)
  })

  it('fails a task with a missing image quickly, as the task\'s fault', async () => {
    const r = await exec(spec(['true'], { image: 'mcloud-test/does-not-exist:1' }))
    expect(r).toMatchObject({ exitCode: null, error: 'image not found: mcloud-test/does-not-exist:1', infrastructure: false })
    expect(r.durationMs).toBeLessThan(30_000)
  })

  it('reports an unreachable engine as unavailable and as an infrastructure error', async () => {
    const gone = new DockerExecutor({ docker: new Dockerode({ socketPath: path.join(workRoot, 'no-such.sock') }), workRoot })
    expect(await gone.available()).toBe(false)
    const { run } = taskRun(spec(['true']))
    const r = await gone.run(run)
    expect(r.exitCode).toBeNull()
    expect(r.error).toMatch(/^docker error: /)
    expect(r.infrastructure).toBe(true)
  })

  it.skipIf(dockerSocket === undefined)('reports the daemon going away mid-run as an infrastructure error', async () => {
    const proxyDir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-docker-proxy-'))
    const proxyPath = path.join(proxyDir, 'docker.sock')
    const sockets = new Set<net.Socket>()
    const proxy = net.createServer(client => {
      const upstream = net.connect(dockerSocket!)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>(resolve => proxy.listen(proxyPath, resolve))
    try {
      const viaProxy = new DockerExecutor({ docker: new Dockerode({ socketPath: proxyPath }), workRoot, owner: OWNER })
      const { run, logs } = taskRun(spec(sh('echo ready; sleep 30')))
      run.onLog = (stream, line) => {
        logs[stream].push(line)
        if (line === 'ready') { proxy.close(); for (const s of sockets) s.destroy() }
      }
      const r = await viaProxy.run(run)
      expect(r.exitCode).toBeNull()
      expect(r.error).toMatch(/^docker error: /)
      expect(r.infrastructure).toBe(true)
      expect(r.durationMs).toBeLessThan(5_000)
      // it could not remove its container through the dead connection: that is what start() cleans
      expect(logs.system.join('\n')).toMatch(/could not remove container/)
      expect(await executor.removeOrphans()).toBe(1)
    } finally {
      proxy.close()
      await rm(proxyDir, { recursive: true, force: true })
    }
  })

  it('removes orphaned containers left by a crash', async () => {
    const created = docker(['create', '--label', 'mcloud.task=orphan', '--label', 'mcloud.epoch=3', '--label', `mcloud.owner=${OWNER}`, TEST_IMAGE, 'sleep', '30'])
    expect(created.status, created.stderr).toBe(0)
    expect(docker(['start', created.stdout.trim()]).status).toBe(0)
    expect(leftoverContainers()).toHaveLength(1)
    expect(await executor.removeOrphans()).toBe(1)
  })

  it('removes an orphan a crash left paused (the peer died while its task was suspended)', async () => {
    const created = docker(['run', '-d', '--label', 'mcloud.task=orphan', '--label', 'mcloud.epoch=4', '--label', `mcloud.owner=${OWNER}`, TEST_IMAGE, 'sleep', '30'])
    expect(created.status, created.stderr).toBe(0)
    expect(docker(['pause', created.stdout.trim()]).status).toBe(0)
    expect(await executor.removeOrphans()).toBe(1)
  })
})
