// The product's Docker executor against the real engine and the local busybox image.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Dockerode from 'dockerode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import type { ExecResult, TaskRun } from '../../src/main/executor/index.js'
import type { TaskSpec } from '../../src/shared/index.js'
import { docker, readSetup, TEST_IMAGE } from '../helpers/docker.js'

const setup = readSetup()
const noDocker = setup?.docker === false
if (noDocker) console.warn('docker-executor.test.ts skipped: .test-tmp/setup.json says docker:false (no engine or test image)')

// the daemon-gone test cuts a unix-socket proxy in front of the engine
const dockerSocket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').match(/^unix:\/\/(.+)$/)?.[1]

// containers of this file only: other suites may share the engine
const OWNER = `docker-executor-test-${process.pid}`

interface Logged { stdout: string[], stderr: string[], system: string[] }

function spec (command: string[], over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    v: 1, submitter: '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij', submitterName: 'test', image: TEST_IMAGE,
    command, cpu: 1, memoryMb: 128, timeoutSec: 20, env: {}, maxAttempts: 1, retryOnFailure: false, createdAt: 1, nonce: 'nonce-123',
    ...over
  } as TaskSpec
}

function taskRun (s: TaskSpec, signal = new AbortController().signal): { run: TaskRun, logs: Logged } {
  const logs: Logged = { stdout: [], stderr: [], system: [] }
  return { run: { taskId: randomBytes(32).toString('hex'), epoch: 1, spec: s, signal, onLog: (stream, line) => { logs[stream].push(line) } }, logs }
}

function leftoverContainers (): string[] {
  const r = docker(['ps', '-aq', '--filter', `label=mcloud.owner=${OWNER}`])
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.split('\n').filter(Boolean)
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
    for (const id of leftoverContainers()) docker(['rm', '-f', id])
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

  it('gives the task no network', async () => {
    const r = await exec(spec(sh('wget -T 2 -q -O- http://1.1.1.1/; echo "wget=$?"; ls /sys/class/net')))
    expect(r.exitCode).toBe(0)
    expect(r.logs.stdout).toContain('lo')
    expect(r.logs.stdout.filter(l => l !== 'lo' && !l.startsWith('wget='))).toEqual([])
    expect(r.logs.stdout.find(l => l.startsWith('wget='))).not.toBe('wget=0')
  })

  it('runs as nobody on a read-only root with writable /tmp and /output', async () => {
    const r = await exec(spec(sh('id -u; touch /x 2>/dev/null; echo "root=$?"; touch /tmp/y && echo tmp-ok; touch /output/z && echo out-ok; ls /input && echo in-ok; touch /input/w 2>/dev/null; echo "input=$?"')))
    expect(r.exitCode).toBe(0)
    expect(r.logs.stdout).toEqual(['65534', 'root=1', 'tmp-ok', 'out-ok', 'in-ok', 'input=1'])
  })

  it('reports an out-of-memory kill with the limit', async () => {
    const r = await exec(spec(sh('x=a; while true; do x=$x$x; done'), { memoryMb: 32 }))
    expect(r).toMatchObject({ exitCode: 137, error: 'out of memory (limit 32 MiB)' })
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
})
