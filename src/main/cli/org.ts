// mcloud org: the organisation key (create, join, show) and the owner's allow/deny lists of peers.
// Works with or without a running peer: a running one is changed through its API (the lists
// apply at once, a key at its next start); otherwise the data dir is written directly.
import { join } from 'node:path'
import { peerConfigUpdateSchema, type PeerConfigUpdate } from '../../shared/index.js'
import { PeerNotRunningError, type ApiClient } from '../api/index.js'
import { OrgKeyError } from '../p2p/errors.js'
import { createOrgKeyFile, DEFAULT_ORG_KEY_FILE, formatOrgKey, orgKeyFingerprint, orgKeyFromFile, writeSecretFile } from '../p2p/org-key.js'
import { readSavedConfig, saveConfig } from '../peer/saved-config.js'
import { CLIENT_OPTIONS, parseCommandArgs, resolveDataDir, UsageError, userPath } from './args.js'
import { connect, printJson, type CliIo } from './io.js'

const ORG_OPTIONS = {
  ...CLIENT_OPTIONS,
  force: { type: 'boolean' },
  remove: { type: 'boolean' }
} as const

type Values = ReturnType<typeof parseCommandArgs<typeof ORG_OPTIONS>>['values']
type Action = (args: string[], v: Values, io: CliIo) => Promise<number>

const ACTIONS: Record<string, Action> = { create, join: joinOrg, show, deny: list('denyPeers'), allow: list('allowPeers') }

export async function orgCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('org', argv, ORG_OPTIONS, true)
  const [action, ...args] = positionals
  if (action === undefined) throw new UsageError('org: give an action: create, join, show, deny or allow (see: mcloud org --help)')
  const run = ACTIONS[action]
  if (run === undefined) throw new UsageError(`unknown org action "${action}" (see: mcloud org --help)`)
  if (values.force === true && action !== 'create') throw new UsageError('--force: only for org create')
  if (values.remove === true && action !== 'deny' && action !== 'allow') throw new UsageError('--remove: only for org deny and org allow')
  return await run(args, values, io)
}

function fileArg (action: string, args: string[]): string {
  if (args.length === 0 || args[0]!.trim() === '') throw new UsageError(`${action}: FILE: an organisation key file is required`)
  if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]!}" (see: mcloud org --help)`)
  return userPath(args[0]!)
}

/** The file's problem as bad input (exit 2), its message already naming the file. */
async function readKeyFile (path: string): Promise<Uint8Array> {
  try {
    return await orgKeyFromFile(path)
  } catch (err) {
    if (err instanceof OrgKeyError) throw new UsageError(err.message)
    throw err
  }
}

/** The API of the peer running on dataDir, or undefined when none is. */
async function runningPeer (dataDir: string): Promise<ApiClient | undefined> {
  try {
    return await connect(dataDir)
  } catch (err) {
    if (err instanceof PeerNotRunningError) return undefined
    throw err
  }
}

async function create (args: string[], v: Values, io: CliIo): Promise<number> {
  const file = fileArg('create', args)
  let key: Uint8Array
  try {
    key = await createOrgKeyFile(file, { overwrite: v.force === true })
  } catch (err) {
    if (err instanceof OrgKeyError && err.message.endsWith('already exists')) {
      throw new UsageError(`${err.message}: keep it, or replace it with --force (peers holding the old key are cut off)`)
    }
    throw err
  }
  const fingerprint = orgKeyFingerprint(key)
  if (v.json === true) {
    printJson(io, { file, fingerprint })
    return 0
  }
  io.stdout.write(
    `Created organisation key ${file} (owner-only, mode 0600)\n` +
    `  fingerprint  ${fingerprint}\n\n` +
    'The file is the organisation\'s secret: whoever holds it can join. Give it only to members,\n' +
    'over a channel you trust (not a public chat). Each member, and this machine, then runs:\n' +
    `  mcloud org join ${file}\n` +
    '(or Settings → Organisation → Join in the app) and restarts its peer. Members check they\n' +
    `joined the same organisation by comparing fingerprints: mcloud org show prints ${fingerprint}.\n`
  )
  return 0
}

async function joinOrg (args: string[], v: Values, io: CliIo): Promise<number> {
  const file = fileArg('join', args)
  const key = await readKeyFile(file)
  const fingerprint = orgKeyFingerprint(key)
  const dataDir = resolveDataDir(v['data-dir'], io.env)
  const client = await runningPeer(dataDir)
  let message: string
  let restartRequired: boolean
  if (client !== undefined) {
    // The running peer saves the key where it reads it from (its --org-key file, if it has one).
    const view = await client.importOrgKey({ key: formatOrgKey(key) })
    restartRequired = view.restartRequired
    message = restartRequired
      ? 'Saved by the running peer; it still uses the old key: restart it (stop mcloud agent / the app and start it again) to join.'
      : 'The running peer already uses this key.'
  } else {
    const target = join(dataDir, DEFAULT_ORG_KEY_FILE)
    const old = await orgKeyFromFile(target).catch(() => undefined)
    restartRequired = false
    if (old !== undefined && orgKeyFingerprint(old) === fingerprint) {
      message = `${target} already holds this key.`
    } else {
      // Leaving an organisation by mistake should be undoable: keep the key being replaced.
      if (old !== undefined) await writeSecretFile(`${target}.previous`, formatOrgKey(old))
      await writeSecretFile(target, formatOrgKey(key))
      message = `Installed as ${target}${old === undefined ? '' : ` (the previous key ${orgKeyFingerprint(old)} is kept in ${target}.previous)`}; the peer uses it at its next start.`
    }
  }
  if (v.json === true) printJson(io, { fingerprint, restartRequired, running: client !== undefined })
  else io.stdout.write(`Joined organisation ${fingerprint}\n${message}\n`)
  return 0
}

async function show (args: string[], v: Values, io: CliIo): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]!}" (see: mcloud org --help)`)
  const dataDir = resolveDataDir(v['data-dir'], io.env)
  const client = await runningPeer(dataDir)
  let fingerprint: string
  // a key joined while the peer runs: saved, used after its restart
  let pending: string | undefined
  let saved: Pick<PeerConfigUpdate, 'denyPeers' | 'allowPeers'>
  // what a running peer enforces: the saved lists plus its --deny / --allow flags
  let inForce: { deny: string[], allow: string[] } | undefined
  if (client !== undefined) {
    const config = await client.config()
    fingerprint = config.orgFingerprint
    saved = config
    inForce = config.accessInForce
    const file = await client.exportOrgKey()
    if (file.restartRequired) pending = file.fingerprint
  } else {
    const file = join(dataDir, DEFAULT_ORG_KEY_FILE)
    const key = await orgKeyFromFile(file).catch(() => undefined)
    if (key === undefined) throw new UsageError(`no organisation key in ${dataDir} yet: mcloud org join FILE, or start a peer (it creates one)`)
    fingerprint = orgKeyFingerprint(key)
    saved = await readSavedConfig(dataDir)
  }
  const deny = saved.denyPeers ?? []
  const allow = saved.allowPeers ?? []
  if (v.json === true) {
    printJson(io, { fingerprint, pendingFingerprint: pending ?? null, denyPeers: deny, allowPeers: allow, inForce: inForce ?? null, running: client !== undefined })
    return 0
  }
  const rows = (ids: string[], fromSaved: string[], none: string): string => ids.length === 0
    ? none
    : ids.map(id => fromSaved.includes(id) ? id : `${id} (command line)`).join('\n             ')
  io.stdout.write(
    `  org key    ${fingerprint}\n` +
    (pending === undefined ? '' : `  saved key  ${pending} (used after the peer restarts)\n`) +
    `  denied     ${rows(inForce?.deny ?? deny, deny, '(none)')}\n` +
    `  allowed    ${rows(inForce?.allow ?? allow, allow, '(every member)')}\n` +
    (client === undefined ? '  (no peer running: the saved lists; --deny / --allow flags add to them at start)\n' : '')
  )
  return 0
}

/** org deny|allow [--remove] PEERID...: edits one saved list; a running peer applies it at once. */
function list (field: 'denyPeers' | 'allowPeers'): Action {
  const action = field === 'denyPeers' ? 'deny' : 'allow'
  return async (ids, v, io) => {
    if (ids.length === 0) throw new UsageError(`${action}: PEERID: give at least one peer id (mcloud peers lists them)`)
    const checked = peerConfigUpdateSchema.safeParse({ [field]: ids })
    if (!checked.success) throw new UsageError(`${action}: PEERID: ${checked.error.issues[0]?.message ?? 'invalid'}`)
    const given = checked.data[field] ?? []
    const dataDir = resolveDataDir(v['data-dir'], io.env)
    const client = await runningPeer(dataDir)
    const current = (client !== undefined ? (await client.config())[field] : (await readSavedConfig(dataDir))[field]) ?? []
    const next = v.remove === true ? current.filter(id => !given.includes(id)) : [...new Set([...current, ...given])]
    const update: PeerConfigUpdate = { [field]: next }
    if (client !== undefined) await client.updateConfig(update)
    else await saveConfig(dataDir, update)
    if (v.json === true) {
      printJson(io, { [field]: next, applied: client !== undefined })
      return 0
    }
    const what = field === 'denyPeers' ? 'Denied' : 'Allowed'
    io.stdout.write(`${what} peers: ${next.length === 0 ? (field === 'denyPeers' ? '(none)' : '(every member)') : next.join(', ')}\n`)
    io.stdout.write(client !== undefined
      ? 'Applied now by the running peer (connections it no longer admits are closed).\n'
      : 'Saved; the peer applies it when it starts.\n')
    if (field === 'allowPeers' && next.length > 0 && v.remove !== true) {
      io.stdout.write('Only these peers (and this one) may connect now: include the relays and bootstrap peers you need.\n')
    }
    return 0
  }
}
