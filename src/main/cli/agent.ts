// mcloud agent: runs a peer in the foreground until SIGINT/SIGTERM.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { StatusResponse } from '../../shared/api.js'
import type { PeerConfig } from '../peer/index.js'
import { parseDurationSec } from '../../shared/duration.js'
import { peerConfigUpdateSchema, sharingSettingMode } from '../../shared/index.js'
import { firstLine, parseCommandArgs, parseIntFlag, parseNumberFlag, resolveDataDir, UsageError, userPath } from './args.js'
import { settingsFromFlags, SHARING_OPTIONS } from './sharing.js'
import type { CliIo } from './io.js'
import { PGLITE_DIR_NAME } from '../control/db.js'

export const AGENT_OPTIONS = {
  'data-dir': { type: 'string' },
  name: { type: 'string' },
  'api-port': { type: 'string' },
  listen: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'org-key': { type: 'string' },
  deny: { type: 'string', multiple: true },
  allow: { type: 'string', multiple: true },
  'lease-ttl': { type: 'string' },
  'keep-data': { type: 'string' },
  'no-mdns': { type: 'boolean' },
  sharing: { type: 'string' },
  'max-cpu': SHARING_OPTIONS['max-cpu'],
  'max-mem': SHARING_OPTIONS['max-mem'],
  'max-tasks': SHARING_OPTIONS['max-tasks'],
  'allow-network': SHARING_OPTIONS['allow-network'],
  'allow-image': SHARING_OPTIONS['allow-image'],
  'any-image': SHARING_OPTIONS['any-image'],
  'max-task-cpu': SHARING_OPTIONS['max-task-cpu'],
  'max-task-mem': SHARING_OPTIONS['max-task-mem'],
  'max-task-time': SHARING_OPTIONS['max-task-time'],
  'max-task-input': SHARING_OPTIONS['max-task-input'],
  'max-task-output': SHARING_OPTIONS['max-task-output'],
  help: { type: 'boolean', short: 'h' }
} as const

// Lease TTL bounds of the task state record (shared/schemas: ttlMs 500 … 600 000).
const MIN_LEASE_TTL_S = 0.5
const MAX_LEASE_TTL_S = 600

/** Maps agent flags to a PeerConfig, or throws a UsageError naming the flag. */
export function buildPeerConfig (argv: string[], env: CliIo['env']): PeerConfig {
  const { values: v } = parseCommandArgs('agent', argv, AGENT_OPTIONS, false)
  const config: PeerConfig = { dataDir: resolveDataDir(v['data-dir'], env) }
  if (v.name !== undefined) {
    if (v.name.trim() === '' || v.name.length > 64) throw new UsageError('--name: expected 1 to 64 characters')
    config.name = v.name
  }
  if (v['api-port'] !== undefined) config.apiPort = parseIntFlag('--api-port', v['api-port'], 0, 65535)
  if (v.listen !== undefined) config.listen = v.listen.map((a) => checkMultiaddr('--listen', a))
  if (v.bootstrap !== undefined) config.bootstrap = v.bootstrap.map((a) => checkMultiaddr('--bootstrap', a))
  if (v['org-key'] !== undefined) {
    if (v['org-key'].trim() === '') throw new UsageError('--org-key: expected a file')
    config.orgKeyFile = userPath(v['org-key'], env)
  }
  if (v.deny !== undefined) config.denyPeers = checkPeerIds('--deny', 'denyPeers', v.deny)
  if (v.allow !== undefined) config.allowPeers = checkPeerIds('--allow', 'allowPeers', v.allow)
  if (v['lease-ttl'] !== undefined) {
    const seconds = parseNumberFlag('--lease-ttl', v['lease-ttl'], 'seconds')
    if (seconds < MIN_LEASE_TTL_S || seconds > MAX_LEASE_TTL_S) {
      throw new UsageError(`--lease-ttl: must be between ${MIN_LEASE_TTL_S} and ${MAX_LEASE_TTL_S} seconds`)
    }
    config.leaseTtlMs = Math.round(seconds * 1000)
  }
  if (v['keep-data'] !== undefined) {
    const sec = parseDurationSec(v['keep-data'])
    if (sec === undefined || sec < 60 || sec > 365 * 86_400) throw new UsageError(`--keep-data: expected a time from 1m to 365d like 24h or 7d, got "${v['keep-data']}"`)
    config.data = { ...config.data, retainMs: sec * 1000 }
  }
  if (v['no-mdns'] === true) config.mdns = false
  // Lending flags are saved as the owner's settings, like the same change made in the app.
  const sharing = settingsFromFlags(v)
  if (v.sharing !== undefined) {
    const mode = sharingSettingMode.safeParse(v.sharing)
    if (!mode.success) throw new UsageError(`--sharing: expected on, paused or idle-only, got "${v.sharing}"`)
    sharing.mode = mode.data
  }
  if (Object.keys(sharing).length > 0) config.sharing = sharing
  return config
}

/** Peer ids by the same rule as the saved lists, or a UsageError naming the flag and the bad id. */
function checkPeerIds (flag: string, field: 'denyPeers' | 'allowPeers', ids: string[]): string[] {
  const parsed = peerConfigUpdateSchema.safeParse({ [field]: ids })
  if (!parsed.success) throw new UsageError(`${flag}: ${parsed.error.issues[0]?.message ?? 'expected a peer id'}`)
  return parsed.data[field] ?? []
}

function checkMultiaddr (flag: string, addr: string): string {
  if (!/^\/[a-z0-9]+\/\S+$/.test(addr)) throw new UsageError(`${flag}: expected a multiaddr like /ip4/0.0.0.0/tcp/4001, got "${addr}"`)
  return addr
}

export async function agentCommand (argv: string[], io: CliIo): Promise<number> {
  return await runPeer('agent', argv, io)
}

/** mcloud serve: the same peer, plus the URL of its UI for a browser on this machine. */
export async function serveCommand (argv: string[], io: CliIo): Promise<number> {
  return await runPeer('serve', argv, io)
}

/** mcloud control: a peer that mirrors every task and node into PostgreSQL (or embedded PGlite). */
export async function controlCommand (argv: string[], io: CliIo): Promise<number> {
  return await runPeer('control', argv, io)
}

/** Takes `--db URL` out of the control command's arguments (the rest are the agent's). */
export function splitDbFlag (argv: string[], env: CliIo['env']): { rest: string[], dbUrl: string | undefined } {
  const rest: string[] = []
  // An empty DATABASE_URL (set but blank, as shells and .env files leave it) means the default.
  let dbUrl = env.DATABASE_URL === '' ? undefined : env.DATABASE_URL
  if (dbUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(dbUrl)) throw new UsageError(`DATABASE_URL: expected a postgres:// URL, got "${redactUrl(dbUrl)}"`)
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--db' || a.startsWith('--db=')) {
      const value = a === '--db' ? argv[++i] : a.slice('--db='.length)
      if (value === undefined || value === '') throw new UsageError('--db: expected a URL like postgres://user:password@host:5432/mcloud')
      if (!/^postgres(ql)?:\/\/\S+$/.test(value)) throw new UsageError(`--db: expected a postgres:// URL, got "${redactUrl(value)}"`)
      dbUrl = value
    } else rest.push(a)
  }
  return { rest, dbUrl }
}

/** A database URL without its password, for messages and logs. */
export function redactUrl (url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@')
}

async function runPeer (command: 'agent' | 'serve' | 'control', argvIn: string[], io: CliIo): Promise<number> {
  const { rest: argv, dbUrl } = command === 'control' ? splitDbFlag(argvIn, io.env) : { rest: argvIn, dbUrl: undefined }
  const config = buildPeerConfig(argv, io.env)
  if (command === 'serve' && config.apiPort === null) throw new UsageError('--api-port: serve needs the API')

  // Handlers go in before the start so a Ctrl+C during start still stops the peer gracefully.
  let stopRequested!: () => void
  const stopping = new Promise<void>((resolve) => { stopRequested = resolve })
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      io.stderr.write(`mcloud: ${signal} again, exiting now\n`)
      process.exit(1)
    }
    io.stderr.write(`mcloud: ${signal}, stopping (handing leases back; ${signal} again to exit now)\n`)
    stopRequested()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const onAbort = (): void => { stopRequested() }
  io.signal?.addEventListener('abort', onAbort, { once: true })
  if (io.signal?.aborted === true) stopRequested()

  try {
    // Imported here so client commands never load libp2p.
    const { createPeer } = await import('../peer/index.js')
    // The product runs tasks in Docker; a peer without a Docker engine still submits and
    // observes, and says "docker unavailable" in its status.
    const { dockerExecutorFor } = await import('../executor/docker/from-saved.js')
    let peer: Awaited<ReturnType<typeof createPeer>>
    let stopPeer: () => Promise<void>
    try {
      if (command === 'control') {
        // The control peer observes only: it runs no tasks.
        const { startControlPeer } = await import('../control/index.js')
        const control = await startControlPeer({ ...config, dbUrl })
        peer = control.peer
        stopPeer = control.stop
      } else {
        config.executor ??= await dockerExecutorFor(config.dataDir)
        peer = await createPeer(config)
        stopPeer = peer.stop
      }
    } catch (err) {
      io.stderr.write(`mcloud: ${command}: ${firstLine(err)}\n`)
      return 1
    }
    try {
      const extra: Array<[string, string]> = command === 'control'
        ? [['database', dbUrl === undefined ? `PGlite in ${join(config.dataDir, PGLITE_DIR_NAME)}` : redactUrl(dbUrl)]]
        : []
      io.stdout.write(formatStarted(command, await peer.status(), peer.apiUrl, extra))
      // serve: the desktop UI in a browser; control: the same page opens on its dashboard.
      if (command !== 'agent' && peer.apiUrl !== undefined) io.stdout.write(await uiLine(config.dataDir, peer.apiUrl))
      io.stdout.write(command === 'control'
        ? 'Press Ctrl+C to stop (tasks keep running without the control peer; it catches up at its next start).\n'
        : 'Press Ctrl+C to stop (running tasks are handed back to the pool).\n')
    } catch (err) {
      io.stderr.write(`mcloud: ${command}: status unavailable: ${firstLine(err)}\n`)
    }
    await stopping
    try {
      await stopPeer()
    } catch (err) {
      io.stderr.write(`mcloud: ${command}: stop failed: ${firstLine(err)}\n`)
      return 1
    }
    io.stderr.write('mcloud: stopped\n')
    return 0
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    io.signal?.removeEventListener('abort', onAbort)
  }
}

/** The line `serve` prints: the UI's URL (token included), or why there is no UI to open. */
async function uiLine (dataDir: string, apiUrl: string): Promise<string> {
  const { DEFAULT_UI_DIR } = await import('../api/ui-files.js')
  const { uiUrl } = await import('./ui-url.js')
  if (!existsSync(join(DEFAULT_UI_DIR, 'index.html'))) return '  ui         not built: run npm run build:ui (npm run serve builds it)\n'
  return `  ui         ${await uiUrl(dataDir, apiUrl)}\n             (open it in a browser on this machine; mcloud ui-url prints it again)\n`
}

function formatStarted (command: string, s: StatusResponse, apiUrl: string | undefined, extra: Array<[string, string]>): string {
  const rows: Array<[string, string]> = [
    ['peer id', s.peerId],
    ['name', s.name],
    ...(s.addrs.length === 0 ? [['listening', '-'] as [string, string]] : s.addrs.map((a, i): [string, string] => [i === 0 ? 'listening' : '', a])),
    ['api', apiUrl ?? (s.apiUrl === '' ? 'disabled' : s.apiUrl)],
    ['data dir', s.dataDir],
    ['org key', s.orgFingerprint],
    ['executor', s.executor],
    ['sharing', s.sharing],
    ['lease ttl', `${s.leaseTtlMs / 1000} s`],
    ...extra
  ]
  return `mcloud ${command} ${s.version} running\n` + rows.map(([k, v]) => `  ${k.padEnd(10)} ${v}`).join('\n') + '\n'
}
