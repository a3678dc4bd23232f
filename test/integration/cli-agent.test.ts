// The real `mcloud` binary: an agent in the foreground and the client commands against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiInfo, StatusResponse, TaskView } from '../../src/shared/api.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const BIN = join(ROOT, 'bin/mcloud.js')

interface Run { code: number | null, stdout: string, stderr: string }

const mcloud = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => new Promise((resolveRun) => {
  execFile(NODE, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
    const code = err == null ? 0 : typeof err.code === 'number' ? err.code : null
    resolveRun({ code, stdout, stderr })
  })
})

const waitFor = async (what: string, check: () => boolean, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => { r(code) }))

describe('mcloud agent + client commands', () => {
  let dataDir: string
  let agent: ChildProcess
  let agentOut = ''
  let agentErr = ''

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcloud-cli-agent-'))
    agent = spawn(NODE, [BIN, 'agent', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    agent.stdout!.on('data', (d: Buffer) => { agentOut += d.toString() })
    agent.stderr!.on('data', (d: Buffer) => { agentErr += d.toString() })
    await waitFor('api.json', () => existsSync(join(dataDir, 'api.json')) || agent.exitCode !== null, 60_000)
    expect(agent.exitCode, agentErr).toBeNull()
    await waitFor('the start summary', () => agentOut.includes('Press Ctrl+C'), 10_000)
  })

  afterAll(async () => {
    if (agent?.exitCode === null) {
      agent.kill('SIGKILL')
      await exited(agent)
    }
    await rm(dataDir, { recursive: true, force: true })
  })

  it('prints a start summary and writes api.json (0600)', async () => {
    const info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as ApiInfo
    expect(info.pid).toBe(agent.pid)
    expect(agentOut).toContain(info.peerId)
    expect(agentOut).toContain(info.url)
    expect((await stat(join(dataDir, 'api-token'))).mode & 0o777).toBe(0o600)
  })

  it('status --json', async () => {
    const r = await mcloud(['status', '--data-dir', dataDir, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const status = JSON.parse(r.stdout) as StatusResponse
    expect(status.peerId).toMatch(/^12D3KooW/)
    expect(status.addrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/') && a.endsWith(`/p2p/${status.peerId}`))).toBe(true)
    expect(typeof status.peers).toBe('number')
    expect(status.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('submit --json, then ps --json lists the task; logs and a prefix resolve', async () => {
    const submitted = await mcloud(['submit', '--data-dir', dataDir, '--image', 'x', '--cmd', 'echo hi', '--json'])
    expect(submitted.code, submitted.stderr).toBe(0)
    const { taskId } = JSON.parse(submitted.stdout) as { taskId: string }
    expect(taskId).toMatch(/^[0-9a-f]{64}$/)

    const ps = await mcloud(['ps', '--data-dir', dataDir, '--json'])
    expect(ps.code, ps.stderr).toBe(0)
    const task = (JSON.parse(ps.stdout) as TaskView[]).find((t) => t.taskId === taskId)
    expect(task).toMatchObject({ taskId, image: 'x', command: ['sh', '-c', 'echo hi'] })
    expect(typeof task?.epoch).toBe('number')

    const logs = await mcloud(['logs', '--data-dir', dataDir, taskId.slice(0, 10), '--json'])
    expect(logs.code, logs.stderr).toBe(0)
    expect(JSON.parse(logs.stdout)).toMatchObject({ taskId })
  })

  it('bad input exits 2 naming the flag, without touching the peer', async () => {
    const r = await mcloud(['submit', '--data-dir', dataDir, '--image', 'x', '--cmd', 'y', '--mem', 'abc'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('mcloud: --mem: expected a size like 256m or 1g\n')
  })

  it('a client of an empty data dir exits 3', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mcloud-cli-empty-'))
    const r = await mcloud(['ps', '--data-dir', empty])
    await rm(empty, { recursive: true, force: true })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`no peer is running with data dir ${empty}`)
  })

  it('SIGTERM stops the agent gracefully: exit 0, api.json removed', async () => {
    const t0 = Date.now()
    agent.kill('SIGTERM')
    const code = await exited(agent)
    expect(code, agentErr).toBe(0)
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(existsSync(join(dataDir, 'api.json'))).toBe(false)
    const after = await mcloud(['status', '--data-dir', dataDir])
    expect(after.code).toBe(3)
  })
})
