import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { peerConfigUpdateSchema } from '../../shared/api.js'
import { serveFakeApiEachTest } from '../api/fake-api.test-helper.js'
import { createOrgKeyFile, orgKeyFingerprint, orgKeyFromFile } from '../p2p/org-key.js'
import { buildPeerConfig } from './agent.js'
import { runCli } from './run.js'

const PEER_A = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const PEER_B = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

interface Run { code: number, stdout: string, stderr: string }

async function cli (argv: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, { stdout: { write: (t: string) => { stdout += t } }, stderr: { write: (t: string) => { stderr += t } }, env: {} })
  return { code, stdout, stderr }
}

let dir: string
let dataDir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcloud-org-'))
  dataDir = join(dir, 'data')
})
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('mcloud org create', () => {
  it('writes an owner-only key file and prints its fingerprint and how to share it', async () => {
    const file = join(dir, 'acme.key')
    const r = await cli(['org', 'create', file])
    expect(r.code).toBe(0)
    const fingerprint = orgKeyFingerprint(await orgKeyFromFile(file))
    expect(r.stdout).toContain(fingerprint)
    expect(r.stdout).toContain(`mcloud org join ${file}`)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('refuses to replace an existing file unless --force', async () => {
    const file = join(dir, 'acme.key')
    const first = orgKeyFingerprint(await createOrgKeyFile(file))
    const refused = await cli(['org', 'create', file])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${file} already exists`)
    expect(refused.stderr).toContain('--force')
    expect(orgKeyFingerprint(await orgKeyFromFile(file))).toBe(first)

    const forced = await cli(['org', 'create', file, '--force'])
    expect(forced.code).toBe(0)
    expect(orgKeyFingerprint(await orgKeyFromFile(file))).not.toBe(first)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })
})

describe('mcloud org join and show, no peer running', () => {
  it('installs the key in the data dir, keeps the previous one, and show prints the fingerprint', async () => {
    const file = join(dir, 'acme.key')
    const fingerprint = orgKeyFingerprint(await createOrgKeyFile(file))
    const old = orgKeyFingerprint(await createOrgKeyFile(join(dataDir, 'org.key')))

    const r = await cli(['org', 'join', file, '--data-dir', dataDir])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toContain(`Joined organisation ${fingerprint}`)
    expect(r.stdout).toContain('next start')
    expect(orgKeyFingerprint(await orgKeyFromFile(join(dataDir, 'org.key')))).toBe(fingerprint)
    expect(orgKeyFingerprint(await orgKeyFromFile(join(dataDir, 'org.key.previous')))).toBe(old)
    expect((await stat(join(dataDir, 'org.key'))).mode & 0o777).toBe(0o600)

    const shown = await cli(['org', 'show', '--data-dir', dataDir])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`org key    ${fingerprint}`)
    expect(shown.stdout).toContain('(every member)')
  })

  it('names the file and its problem for a bad key file, and installs nothing', async () => {
    const bad = join(dir, 'bad.key')
    await writeFile(bad, 'mcloud-org-key v1\nnot base64!\n')
    const cases: Array<[string, string]> = [
      [bad, `Organisation key file ${bad} is malformed: second line must be base64 of 32 bytes`],
      [join(dir, 'missing.key'), `Organisation key file ${join(dir, 'missing.key')} does not exist`]
    ]
    for (const [file, message] of cases) {
      const r = await cli(['org', 'join', file, '--data-dir', dataDir])
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`mcloud: ${message}\n`)
    }
    await expect(stat(join(dataDir, 'org.key'))).rejects.toThrow()
  })

  it('show without any key says how to get one', async () => {
    const r = await cli(['org', 'show', '--data-dir', dataDir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('mcloud org join FILE')
  })
})

describe('mcloud org deny / allow, no peer running', () => {
  it('saves the lists in config.json; --remove takes a peer off', async () => {
    expect((await cli(['org', 'deny', PEER_A, PEER_B, '--data-dir', dataDir])).code).toBe(0)
    expect((await cli(['org', 'allow', PEER_B, '--data-dir', dataDir])).stdout).toContain('include the relays')
    const saved = (): Promise<unknown> => readFile(join(dataDir, 'config.json'), 'utf8').then(JSON.parse)
    expect(await saved()).toEqual({ denyPeers: [PEER_A, PEER_B], allowPeers: [PEER_B] })
    const r = await cli(['org', 'deny', '--remove', PEER_B, '--data-dir', dataDir])
    expect(r.stdout).toContain('Saved; the peer applies it when it starts')
    expect(await saved()).toEqual({ denyPeers: [PEER_A], allowPeers: [PEER_B] })
  })

  it('names the bad peer id, flag or action', async () => {
    const cases: Array<[string[], string]> = [
      [['org', 'deny', PEER_A, 'nope'], 'deny: PEERID: "nope" is not a libp2p peer id'],
      [['org', 'allow'], 'allow: PEERID: give at least one peer id'],
      [['org'], 'org: give an action'],
      [['org', 'leave'], 'unknown org action "leave"'],
      [['org', 'create'], 'create: FILE: an organisation key file is required'],
      [['org', 'show', '--force'], '--force: only for org create'],
      [['agent', '--deny', 'x'], '--deny: "x" is not a libp2p peer id'],
      [['agent', '--allow', PEER_A, '--allow', 'O0Il'], '--allow: "O0Il" is not a libp2p peer id']
    ]
    for (const [argv, message] of cases) {
      const r = await cli([...argv, '--data-dir', dataDir])
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.stderr.startsWith(`mcloud: ${message}`), r.stderr).toBe(true)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('agent --deny and --allow are repeatable and reach the peer config', () => {
    const config = buildPeerConfig(['--deny', PEER_A, '--deny', PEER_B, '--allow', PEER_B], {})
    expect(config).toMatchObject({ denyPeers: [PEER_A, PEER_B], allowPeers: [PEER_B] })
  })

  it('the saved-config schema names the list and quotes the bad entry', () => {
    const r = peerConfigUpdateSchema.safeParse({ allowPeers: [PEER_A, 'bad id'] })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]).toMatchObject({ path: ['allowPeers', 1], message: '"bad id" is not a libp2p peer id (12D3Koo…)' })
  })
})

describe('mcloud org against a running peer (fake API)', () => {
  const served = serveFakeApiEachTest(() => dataDir)

  it('join goes through the running peer\'s import and says it must restart', async () => {
    const file = join(dir, 'acme.key')
    await createOrgKeyFile(file)
    const r = await cli(['org', 'join', file, '--data-dir', dataDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('restart it')
    // written by the peer (here: the fake), not next to it behind its back
    await expect(stat(join(dataDir, 'org.key'))).rejects.toThrow()
  })

  it('the API refuses a bad peer id naming the field and the entry', async () => {
    const res = await fetch(`${served.server.url}/api/config`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${served.server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ denyPeers: [PEER_A, 'x'] })
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: { name: 'ValidationError', field: 'denyPeers', message: 'denyPeers: "x" is not a libp2p peer id (12D3Koo…)' } })
  })

  it('deny is applied by the running peer at once; show reads its lists', async () => {
    const r = await cli(['org', 'deny', PEER_A, '--data-dir', dataDir])
    expect(r.stdout).toContain('Applied now by the running peer')
    expect((await served.api.config()).denyPeers).toEqual([PEER_A])
    const shown = await cli(['org', 'show', '--data-dir', dataDir, '--json'])
    expect(JSON.parse(shown.stdout)).toMatchObject({ fingerprint: 'abcd', pendingFingerprint: null, denyPeers: [PEER_A], allowPeers: [], running: true })
  })
})
