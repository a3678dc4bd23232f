// The SPOF experiment's control peer: the real `mcloud control` in its own OS process, so it can
// die the way a machine does (SIGKILL: no hand-back, no clean database close) and be started again
// on the same data dir. Its HTTP API is found through the api.json and api-token files it writes.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { API_INFO_FILE, API_TOKEN_FILE, type ApiInfo } from '../../shared/api.js'
import type { ControlSummary, JobRow } from '../../shared/control-api.js'

/** bin/mcloud.js at the repository root, from src/main/bench (tsx) or dist/main/bench (built). */
const MCLOUD_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bin/mcloud.js')
/** What is kept of the child's output, for the message when it fails to come up. */
const OUTPUT_KEEP = 4000
const REQUEST_TIMEOUT_MS = 3000
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

export interface ControlProcessInit {
  dataDir: string
  orgKeyFile: string
  /** Multiaddr (with /p2p/) of a testbed peer. */
  bootstrap: string
  ttlMs: number
  /** postgres://…; default: the product default, PGlite in the data dir. */
  dbUrl?: string
  /** Gets the process's output as it comes (the bench echoes it with MCLOUD_BENCH_DEBUG). */
  onOutput?: (text: string) => void
}

export type ApiWait = { ok: true } | { ok: false, reason: string }

export class ControlProcess {
  private child: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private exit: string | undefined
  private api: { url: string, token: string } | undefined
  private output = ''

  constructor (private readonly init: ControlProcessInit) {}

  /** Spawns `mcloud control` on the data dir (a lock left by a killed run is taken over by the CLI). */
  start (): void {
    if (this.child !== undefined) throw new Error('control peer already running')
    const i = this.init
    const args = [MCLOUD_BIN, 'control', '--data-dir', i.dataDir, '--name', 'control', '--listen', '/ip4/127.0.0.1/tcp/0',
      '--bootstrap', i.bootstrap, '--org-key', i.orgKeyFile, '--api-port', '0', '--lease-ttl', String(i.ttlMs / 1000), '--no-mdns',
      ...(i.dbUrl === undefined ? [] : ['--db', i.dbUrl])]
    // The flag alone chooses the database: a DATABASE_URL in the bench's environment must not.
    const env = { ...process.env }
    delete env.DATABASE_URL
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.exit = undefined
    this.api = undefined
    const keep = (chunk: Buffer): void => {
      const text = chunk.toString('utf8')
      this.output = (this.output + text).slice(-OUTPUT_KEEP)
      this.init.onOutput?.(text)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    this.exited = new Promise(resolve => {
      child.once('exit', (code, signal) => {
        this.exit = signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`
        if (this.child === child) this.child = undefined
        resolve()
      })
      child.once('error', err => {
        this.exit = `could not start: ${err.message}`
        if (this.child === child) this.child = undefined
        resolve()
      })
    })
  }

  get running (): boolean { return this.child !== undefined }
  get pid (): number | undefined { return this.child?.pid }
  /** The last lines the process printed (stdout and stderr interleaved). */
  get tail (): string { return this.output.trim() }

  /**
   * Until the control API answers (the database is open), the process exits, or the deadline.
   * api.json of an earlier, killed process may still be there: only the current pid's counts.
   */
  async waitForApi (timeoutMs: number): Promise<ApiWait> {
    const deadline = performance.now() + timeoutMs
    const child = this.child
    if (child === undefined) return { ok: false, reason: `not running (${this.exit ?? 'never started'})` }
    for (;;) {
      if (this.child !== child) return { ok: false, reason: `${this.exit ?? 'exited'} before its API answered; its output:\n${this.tail}` }
      if (this.api === undefined) this.api = await this.readApiFiles(child.pid)
      if (this.api !== undefined && await this.summary() !== undefined) return { ok: true }
      if (performance.now() > deadline) return { ok: false, reason: `its control API did not answer within ${timeoutMs / 1000} s; its output:\n${this.tail}` }
      await sleep(200)
    }
  }

  /** GET /api/control/summary; undefined when the process is down or does not answer. */
  async summary (): Promise<ControlSummary | undefined> {
    return await this.get<ControlSummary>('/api/control/summary')
  }

  /** GET /api/control/jobs?limit=1000; undefined when the process is down or does not answer. */
  async jobs (): Promise<JobRow[] | undefined> {
    return await this.get<JobRow[]>('/api/control/jobs?limit=1000')
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill (): Promise<void> {
    const child = this.child
    if (child === undefined) return
    this.api = undefined
    child.kill('SIGKILL')
    await this.exited
  }

  /** Graceful stop (SIGTERM: the CLI closes the peer and the database); SIGKILL after 15 s. */
  async stop (): Promise<void> {
    const child = this.child
    if (child === undefined) return
    child.kill('SIGTERM')
    const gone = await Promise.race([this.exited.then(() => true), sleep(15_000).then(() => false)])
    if (!gone) await this.kill()
    this.api = undefined
  }

  private async readApiFiles (pid: number | undefined): Promise<{ url: string, token: string } | undefined> {
    try {
      const info = JSON.parse(await readFile(join(this.init.dataDir, API_INFO_FILE), 'utf8')) as ApiInfo
      if (info.pid !== pid) return undefined
      const token = (await readFile(join(this.init.dataDir, API_TOKEN_FILE), 'utf8')).trim()
      return { url: info.url, token }
    } catch {
      return undefined
    }
  }

  private async get<T> (path: string): Promise<T | undefined> {
    const api = this.api
    if (api === undefined || this.child === undefined) return undefined
    try {
      const res = await fetch(api.url + path, { headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      if (!res.ok) return undefined
      return await res.json() as T
    } catch {
      return undefined
    }
  }
}
