// The real `mcloud control` process: a wrong-password or unreachable database stops the start with
// one clear line (the password never echoed); with the default embedded database it starts, says
// where its database and dashboard are, reports itself as a control peer, and stops on Ctrl+C.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiInfo, StatusResponse } from '../../src/shared/api.js'
import { postgresSkipReason, startPostgres, type PgCluster } from '../helpers/postgres.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const BIN = join(ROOT, 'bin/mcloud.js')

interface Run { code: number | null, stdout: string, stderr: string }

const mcloud = (args: string[]): Promise<Run> => new Promise((resolveRun) => {
  execFile(NODE, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '' }, timeout: 90_000 }, (err, stdout, stderr) => {
    const code = err == null ? 0 : typeof err.code === 'number' ? err.code : null
    resolveRun({ code, stdout, stderr })
  })
})

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => { r(code) }))

async function closedPort (): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as net.AddressInfo
  await new Promise((r) => srv.close(r))
  return port
}

describe('mcloud control', () => {
  let root: string
  beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'mcloud-cli-control-')) })
  afterAll(async () => { await rm(root, { recursive: true, force: true }) })

  const peerFlags = (name: string): string[] => ['--data-dir', join(root, name), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

  it('an unreachable database server: one line naming the server, exit 1', async () => {
    const port = await closedPort()
    const r = await mcloud(['control', ...peerFlags('unreachable'), '--db', `postgres://admin:s3cret-pw@127.0.0.1:${port}/mc`])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`mcloud: control: database: .*127\\.0\\.0\\.1:${port}`))
    expect(r.stderr + r.stdout).not.toContain('s3cret-pw')
  })

  const skip = postgresSkipReason()
  it.skipIf(skip !== null)('a wrong password: says so, never echoes it, exit 1', async () => {
    let pg: PgCluster | undefined
    try {
      pg = await startPostgres()
      const user = pg.passwordUser.name
      const r = await mcloud(['control', ...peerFlags('wrong-pw'), '--db', `postgres://${user}:not-the-pw@${pg.host}:${pg.port}/${user}`])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`password authentication failed for user ${user}`)
      expect(r.stderr + r.stdout).not.toContain('not-the-pw')
    } finally {
      await pg?.stop()
    }
  })

  it('with the embedded database: starts, names its database and dashboard, is a control peer, stops on SIGINT', async () => {
    const dataDir = join(root, 'embedded')
    const child = spawn(NODE, [BIN, 'control', ...peerFlags('embedded')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
    try {
      const deadline = Date.now() + 60_000
      while (!out.includes('Press Ctrl+C') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      expect(child.exitCode, err).toBeNull()
      expect(out).toContain(`database   PGlite in ${join(dataDir, 'control-db')}`)
      expect(out).toMatch(/ui {9}http:\/\/127\.0\.0\.1:\d+\/\?token=/)
      expect(out).toContain('tasks keep running without the control peer')
      expect(existsSync(join(dataDir, 'api.json'))).toBe(true)
      const info = JSON.parse(readFileSync(join(dataDir, 'api.json'), 'utf8')) as ApiInfo
      const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim()
      const status = await (await fetch(`${info.url}/api/status`, { headers: { authorization: `Bearer ${token}` } })).json() as StatusResponse
      expect(status.role).toBe('control')
      expect(status.executor).toMatch(/none|no executor/i)
      child.kill('SIGINT')
      expect(await exited(child)).toBe(0)
      expect(err).toContain('mcloud: stopped')
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
