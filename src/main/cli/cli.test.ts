import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskView } from '../../shared/api.js'
import { FAKE_PEER_ID, serveFakeApiEachTest } from '../api/fake-api.test-helper.js'
import { buildPeerConfig, redactUrl } from './agent.js'
import { resolveDataDir, userPath } from './args.js'
import { runCli } from './run.js'
import { buildSubmitRequest } from './tasks.js'

interface Run { code: number, stdout: string, stderr: string }

async function cli (argv: string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: { write: (t: string) => { stdout += t } },
    stderr: { write: (t: string) => { stderr += t } },
    env,
    signal
  })
  return { code, stdout, stderr }
}

let dataDir: string
/** Puts --data-dir right after the command, so it never lands behind a `--`. */
const withDataDir = (argv: string[]): string[] => [argv[0]!, '--data-dir', dataDir, ...argv.slice(1)]
beforeEach(async () => { dataDir = await mkdtemp(join(tmpdir(), 'mcloud-cli-')) })
afterEach(async () => { await rm(dataDir, { recursive: true, force: true }) })

describe('bad input: one line naming the field, exit 2', () => {
  const cases: Array<[string[], string]> = [
    [['submit', '--cmd', 'x'], '--image: is required'],
    [['submit', '--image', 'x'], '--cmd: a command is required'],
    [['submit', '--image', 'x', '--cmd', 'y', '--mem', 'abc'], '--mem: expected a size like 256m or 1g'],
    [['submit', '--image', 'x', '--cmd', 'y', '--mem', '1m'], '--mem: memory must be at least 16 MiB'],
    [['submit', '--image', 'x', '--cmd', 'y', '--cpu', '-1'], '--cpu: cpu must be at least 0.1'],
    [['submit', '--image', 'x', '--cmd', 'y', '--cpu', 'two'], '--cpu: expected a number'],
    [['submit', '--image', 'x', '--cmd', 'y', '--timeout', '1.5'], '--timeout: timeout must be whole seconds'],
    [['submit', '--image', 'x', '--cmd', 'y', '--env', 'X'], '--env: expected K=V, got "X"'],
    [['submit', '--image', 'x', '--cmd', 'y', '--env', '1X=2'], '--env: env names are letters'],
    [['submit', '--image', 'x', '--cmd', 'y', '--max-attempts', '0'], '--max-attempts:'],
    [['submit', '--image', 'has space', '--cmd', 'y'], '--image: image must not contain spaces'],
    [['submit', '--image', 'x', '--cmd', 'y', '--', 'z'], '--cmd: give either'],
    [['submit', '--image', 'x', '--cmd', 'y', '--bogus'], '--bogus: unknown option'],
    [['submit', '--image'], '--image: expected a value'],
    [['submit', '--image', 'x', '--cmd', 'y', '--retry-on-failure=yes'], '--retry-on-failure: does not take a value'],
    [['ps', 'extra'], 'unexpected argument "extra"'],
    [['logs'], 'TASK: a task id is required'],
    [['logs', 'xyz'], 'TASK: expected a task id'],
    [['cancel', 'abc12'], 'TASK: expected a task id'],
    [['cancel', 'g'.repeat(64)], 'TASK: expected a task id'],
    [['agent', '--api-port', '70000'], '--api-port: must be between 0 and 65535'],
    [['agent', '--lease-ttl', 'soon'], '--lease-ttl: expected seconds'],
    [['agent', '--lease-ttl', '0.1'], '--lease-ttl: must be between'],
    [['agent', '--keep-data', 'forever'], '--keep-data: expected a time from 1m to 365d'],
    [['agent', '--keep-data', '10s'], '--keep-data: expected a time from 1m to 365d'],
    [['agent', '--listen', 'localhost:4001'], '--listen: expected a multiaddr'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['agent', '--sharing', 'sometimes'], '--sharing: expected on, paused or idle-only'],
    [['agent', '--max-mem', 'lots'], '--max-mem: expected a size like 512m or 4g'],
    [['agent', '--max-tasks', '100'], '--max-tasks: must be between 0 and 64'],
    [['sharing', 'snooze'], 'snooze: give a duration'],
    [['sharing', 'snooze', 'tomorrow'], 'snooze: expected a duration like 1h'],
    [['sharing', 'snooze', '2'], 'snooze: expected a duration like 1h'],
    [['sharing', 'snooze', '8d'], 'snooze: must be more than 0 and at most 7 days'],
    [['sharing', 'snooze', '0m'], 'snooze: must be more than 0 and at most 7 days'],
    [['sharing', 'sometimes'], 'unknown sharing action "sometimes"'],
    [['sharing', 'set'], 'set: give at least one setting'],
    [['sharing', 'set', '--max-cpu', 'all'], '--max-cpu: expected a number of cores'],
    [['sharing', 'on', 'extra'], 'unexpected argument "extra"'],
    [['why'], 'TASK: a task id is required'],
    [['control', '--db', 'mysql://u:secret@h/db'], '--db: expected a postgres:// URL, got "mysql://u:***@h/db"'],
    [['control', '--db'], '--db: expected a URL like postgres://'],
    [['hand-back', 'xyz'], 'TASK: expected a task id']
  ]
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const r = await cli(withDataDir(argv))
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
      expect(r.stderr).toContain(`mcloud: ${message}`)
    })
  }
})

it('control: a DATABASE_URL that is not postgres:// is refused naming the variable, its password hidden', async () => {
  const r = await cli(withDataDir(['control']), { DATABASE_URL: 'mysql://u:hunter2@h/db' })
  expect(r.code).toBe(2)
  expect(r.stderr).toBe('mcloud: DATABASE_URL: expected a postgres:// URL, got "mysql://u:***@h/db"\n')
})

describe('no peer running: exit 3', () => {
  for (const argv of [['status'], ['peers'], ['ps', '--json'], ['submit', '--image', 'x', '--cmd', 'y'], ['logs', 'abcdef'], ['cancel', 'a'.repeat(64)], ['get', 'a'.repeat(64)]]) {
    it(argv[0]!, async () => {
      const r = await cli(withDataDir(argv))
      expect(r.code).toBe(3)
      expect(r.stderr).toBe(`mcloud: no peer is running with data dir ${dataDir} (start one with: mcloud agent --data-dir ${dataDir})\n`)
    })
  }
  it('finds the data dir through MCLOUD_DATA_DIR', async () => {
    const r = await cli(['status'], { MCLOUD_DATA_DIR: dataDir })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(dataDir)
  })
})

describe('help and version', () => {
  it('prints usage', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const r = await cli(argv)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('Usage: mcloud <command>')
    }
    expect((await cli(['submit', '--help'])).stdout).toContain('--retry-on-failure')
    expect((await cli(['help', 'logs'])).stdout).toContain('--follow')
    expect((await cli(['agent', '-h'])).stdout).toContain('--no-mdns')
    expect((await cli([])).code).toBe(2)
  })
  it('prints the version', async () => {
    const r = await cli(['--version'])
    expect(r).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' })
  })
})

describe('argument mapping', () => {
  it('builds a submit request', () => {
    const { request } = buildSubmitRequest(['--image', 'busybox', '--cmd', 'echo hi && exit 3', '--cpu', '0.5', '--mem', '1g',
      '--timeout', '60', '--env', 'A=1', '--env', 'B=x=y', '--max-attempts', '2', '--retry-on-failure'])
    expect(request).toEqual({
      image: 'busybox', command: ['sh', '-c', 'echo hi && exit 3'], cpu: 0.5, memoryMb: 1024, timeoutSec: 60,
      env: { A: '1', B: 'x=y' }, maxAttempts: 2, retryOnFailure: true, network: false
    })
    expect(buildSubmitRequest(['--image', 'busybox', '--', 'echo', '--cmd', '-x']).request.command).toEqual(['echo', '--cmd', '-x'])
  })
  it('hides the database password in what it prints', () => {
    expect(redactUrl('postgres://mc:s3cret@db.example:5432/mcloud')).toBe('postgres://mc:***@db.example:5432/mcloud')
    expect(redactUrl('postgres://db.example/mcloud')).toBe('postgres://db.example/mcloud')
  })
  it('builds a peer config', () => {
    const config = buildPeerConfig(['--data-dir', 'rel', '--name', 'n', '--api-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0',
      '--listen', '/ip4/127.0.0.1/tcp/1', '--bootstrap', '/ip4/1.2.3.4/tcp/1/p2p/x', '--org-key', 'k', '--lease-ttl', '2.5', '--keep-data', '7d', '--no-mdns'], {})
    expect(config).toEqual({
      dataDir: join(process.cwd(), 'rel'), name: 'n', apiPort: 0, listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/1'],
      bootstrap: ['/ip4/1.2.3.4/tcp/1/p2p/x'], orgKeyFile: join(process.cwd(), 'k'), leaseTtlMs: 2500, data: { retainMs: 7 * 86_400_000 }, mdns: false
    })
  })
  it('defaults the data dir', () => {
    expect(resolveDataDir(undefined, {})).toMatch(/\.mutual-cloud$/)
    expect(resolveDataDir(undefined, { MCLOUD_DATA_DIR: '/x/y' })).toBe('/x/y')
    expect(resolveDataDir('/a', { MCLOUD_DATA_DIR: '/x/y' })).toBe('/a')
  })
  it('reads a relative path from where the user typed it, also through npm run', () => {
    // `npm run mcloud -- submit --input ./data.csv` runs in the package folder; npm says where the user was
    const npm = { npm_lifecycle_event: 'mcloud', INIT_CWD: '/home/me/work' }
    expect(userPath('./data.csv', npm)).toBe('/home/me/work/data.csv')
    expect(buildSubmitRequest(['--image', 'busybox', '--cmd', 'true', '--input', 'in/a.txt'], npm).request.inputPaths).toEqual(['/home/me/work/in/a.txt'])
    expect(resolveDataDir('peer', npm)).toBe('/home/me/work/peer')
    expect(userPath('/abs/x', npm)).toBe('/abs/x')
    // another npm script (e.g. the test runner) that spawned this process: its INIT_CWD is not the user's
    expect(userPath('x', { npm_lifecycle_event: 'test', INIT_CWD: '/elsewhere' })).toBe(join(process.cwd(), 'x'))
    expect(userPath('x', {})).toBe(join(process.cwd(), 'x'))
  })
})

describe('against a running API (fake peer)', () => {
  const served = serveFakeApiEachTest(() => dataDir)
  const run = (...argv: string[]): Promise<Run> => cli(withDataDir(argv))

  it('status, submit, ps, cancel, logs with --json', async () => {
    const status = await run('status', '--json')
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ peerId: FAKE_PEER_ID })
    const submitted = await run('submit', '--image', 'busybox', '--cmd', 'echo hi', '--json')
    const { taskId } = JSON.parse(submitted.stdout) as { taskId: string }
    expect(taskId).toMatch(/^[0-9a-f]{64}$/)
    expect(served.api.tasks.get(taskId)?.command).toEqual(['sh', '-c', 'echo hi'])
    const ps = JSON.parse((await run('ps', '--json')).stdout) as TaskView[]
    expect(ps.map((t) => t.taskId)).toEqual([taskId])
    expect(JSON.parse((await run('peers', '--json')).stdout)).toEqual([])
    const logs = JSON.parse((await run('logs', taskId.slice(0, 8), '--json')).stdout) as { lines: unknown[] }
    expect(logs.lines).toHaveLength(1)
    const cancelled = await run('cancel', taskId.slice(0, 6).toUpperCase(), '--json')
    expect(JSON.parse(cancelled.stdout)).toEqual({ taskId, status: 'cancelled' })
  })

  it('takes --data-dir before the command too', async () => {
    expect(JSON.parse((await cli(['--data-dir', dataDir, 'status', '--json'])).stdout)).toMatchObject({ peerId: FAKE_PEER_ID })
    expect(JSON.parse((await cli([`--data-dir=${dataDir}`, 'status', '--json'])).stdout)).toMatchObject({ peerId: FAKE_PEER_ID })
    const { stdout } = await cli(['--data-dir', dataDir, 'submit', '--image', 'busybox', '--', 'echo', '--data-dir'])
    expect(served.api.tasks.get(stdout.trim())?.command).toEqual(['echo', '--data-dir'])
  })

  it('prints readable text', async () => {
    const { stdout: taskId } = await run('submit', '--image', 'busybox', '--', 'echo', 'hi')
    expect(taskId.trim()).toMatch(/^[0-9a-f]{64}$/)
    const ps = await run('ps')
    expect(ps.stdout).toMatch(/^TASK\s+STATUS\s+EPOCH\s+HOLDER\s+ATTEMPTS\s+EXIT\s+IMAGE\s+INPUTS\s+OUTPUTS\n/)
    expect(ps.stdout).toContain(`${taskId.slice(0, 12)}  queued`)
    expect((await run('status')).stdout).toContain(`peer id    ${FAKE_PEER_ID}`)
    expect((await run('logs', taskId.trim())).stdout).toBe('hello\n')
  })

  it('maps API errors to exit codes', async () => {
    served.api.failNext.method = 'submitTask'
    served.api.failNext.error = Object.assign(new Error('memoryMb: more than any peer lends'), { name: 'ValidationError', field: 'memoryMb' })
    const invalid = await run('submit', '--image', 'busybox', '--cmd', 'x')
    expect(invalid).toMatchObject({ code: 2, stderr: 'mcloud: --mem: more than any peer lends\n' })
    const missing = await run('cancel', 'f'.repeat(64))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^mcloud: not found: no task f+\n$/)
    expect((await run('logs', 'abcdef')).stderr).toBe('mcloud: TASK: no task starts with "abcdef"\n')
  })

  it('sharing: shows, switches mode, snoozes, stops now; why explains; server-side errors name the flag', async () => {
    expect((await run('sharing')).stdout).toMatch(/^sharing\s+on\n/)
    const paused = JSON.parse((await run('sharing', 'paused', '--json')).stdout) as { effective: string }
    expect(paused.effective).toBe('paused')
    const before = Date.now()
    const snoozed = JSON.parse((await run('sharing', 'snooze', '1h', '--json')).stdout) as { settings: { snooze: { until: number } } }
    expect(snoozed.settings.snooze.until).toBeGreaterThanOrEqual(before + 3_600_000)
    expect(snoozed.settings.snooze.until).toBeLessThan(before + 3_700_000)
    const forever = JSON.parse((await run('sharing', 'snooze', 'until-resumed', '--json')).stdout) as { settings: { snooze: { until: null } } }
    expect(forever.settings.snooze).toEqual({ until: null })
    const set = JSON.parse((await run('sharing', 'set', '--max-cpu', '1.5', '--max-mem', '2g', '--max-tasks', '3', '--idle-start', '10', '--allow-network', '--json')).stdout) as { settings: Record<string, unknown> }
    expect(set.settings).toMatchObject({ maxCpu: 1.5, maxMemoryMb: 2048, maxTasks: 3, idleStartMin: 10, allowNetwork: true })
    expect((await run('sharing', 'stop-now')).stdout).toBe('sharing paused; 0 running tasks handed back to other peers\n')
    served.api.failNext.method = 'updateSharing'
    served.api.failNext.error = Object.assign(new Error('maxCpu: maxCpu must be at most 4096'), { name: 'ValidationError', field: 'maxCpu' })
    expect(await run('sharing', 'set', '--max-cpu', '5000')).toMatchObject({ code: 2, stderr: 'mcloud: --max-cpu: maxCpu must be at most 4096\n' })
    const { stdout: taskId } = await run('submit', '--image', 'busybox', '--', 'true')
    const why = await run('why', taskId.trim().slice(0, 8))
    expect(why.code).toBe(0)
    expect(why.stdout).toMatch(/queued: no peer can take it now — fake: paused by the owner\n\s+fake\s+paused\s+paused by the owner\n/)
  })

  it('ui-url prints the web UI address with the token', async () => {
    const r = await run('ui-url')
    expect(r).toEqual({ code: 0, stdout: `${served.server.url}/?token=${served.server.token}\n`, stderr: '' })
  })

  it('logs --follow streams until the task ends', async () => {
    const { stdout } = await run('submit', '--image', 'busybox', '--cmd', 'x')
    const taskId = stdout.trim()
    const following = run('logs', taskId, '--follow')
    await expect.poll(() => served.api.listenerCount()).toBe(1)
    const task = served.api.tasks.get(taskId)!
    served.api.emit({ type: 'task:log', line: { taskId, epoch: 1, stream: 'stdout', line: 'second', at: 2 } })
    served.api.emit({ type: 'task:log', line: { taskId: 'other', epoch: 1, stream: 'stdout', line: 'not mine', at: 2 } })
    served.api.emit({ type: 'task:log', line: { taskId, epoch: 1, stream: 'stderr', line: 'oops', at: 3 } })
    served.api.emit({ type: 'task:state', task: { ...task, status: 'running', epoch: 1 } })
    served.api.emit({ type: 'task:state', task: { ...task, status: 'succeeded', epoch: 1, exitCode: 0 } })
    const r = await following
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('hello\nsecond\n')
    expect(r.stderr).toBe('oops\n')
    await expect.poll(() => served.api.listenerCount()).toBe(0)
  })

  it('logs --follow exits at once for a finished task', async () => {
    const { stdout } = await run('submit', '--image', 'busybox', '--cmd', 'x')
    const taskId = stdout.trim()
    served.api.tasks.set(taskId, { ...served.api.tasks.get(taskId)!, status: 'failed', exitCode: 1 })
    const r = await run('logs', taskId, '-f')
    expect(r).toEqual({ code: 0, stdout: 'hello\n', stderr: '' })
  })
})
