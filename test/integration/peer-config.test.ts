// The peer's own settings from the UI, with a real peer: saved in the data dir, applied at the
// next start, the organisation key exported, imported and replaced, bad input named by field.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orgKeyFingerprint, orgKeyFromFile } from '../../src/main/p2p/index.js'
import { createPeer } from '../../src/main/peer/index.js'
import { quietSampler, startCluster, type Cluster } from '../helpers/cluster.js'

describe('peer settings and the organisation key', () => {
  let cluster: Cluster
  beforeAll(async () => { cluster = await startCluster(2) })
  afterAll(async () => { await cluster?.stop() })

  it('saves name, bootstrap peers and Docker endpoint; the next start uses them', async () => {
    const [a, b] = cluster.peers as [NonNullable<Cluster['peers'][0]>, NonNullable<Cluster['peers'][1]>]
    const dataDir = (await a.status()).dataDir
    const before = await a.config()
    expect(before).toMatchObject({ dataDir, name: 'peer-0', dockerHost: null, restartRequired: false })
    const bAddr = b.node.getMultiaddrs()[0]!.toString()
    const after = await a.updateConfig({ name: 'desk-17', bootstrap: [bAddr], dockerHost: 'unix:///var/run/docker.sock' })
    expect(after).toMatchObject({ bootstrap: [bAddr], dockerHost: 'unix:///var/run/docker.sock', restartRequired: true })
    expect(JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'))).toEqual({ name: 'desk-17', bootstrap: [bAddr], dockerHost: 'unix:///var/run/docker.sock' })

    // A restart (the flags of this test's peer no longer given) picks the saved name and bootstrap.
    await a.stop()
    const again = await createPeer({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: null, sampler: quietSampler() })
    cluster.peers[0] = again
    expect((await again.status()).name).toBe('desk-17')
    expect((await again.config()).restartRequired).toBe(false)
  })

  it('refuses to start on a broken config.json, naming the file and field', async () => {
    const dataDir = join(cluster.root, 'broken')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ bootstrap: ['not-an-address'] }))
    await expect(createPeer({ dataDir, orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: null, sampler: quietSampler() }))
      .rejects.toThrow(/config\.json: bootstrap\.0: bootstrap peers are multiaddrs/)
  })

  it('exports the key, refuses a malformed one by field, imports and generates (applied at restart)', async () => {
    const peer = cluster.peers[1]!
    const exported = await peer.exportOrgKey()
    const file = await orgKeyFromFile(cluster.orgKeyFile)
    expect(exported).toMatchObject({ fingerprint: orgKeyFingerprint(file), restartRequired: false })
    expect(exported.key.length).toBeGreaterThan(20)
    await expect(peer.importOrgKey({ key: 'not a key' })).rejects.toMatchObject({ name: 'ValidationError', field: 'key' })
    // Importing the same key changes nothing; a new one is saved and waits for a restart.
    expect((await peer.importOrgKey({ key: exported.key })).restartRequired).toBe(false)
    const fresh = await peer.generateOrgKey()
    expect(fresh.fingerprint).not.toBe(exported.fingerprint)
    expect(orgKeyFingerprint(await orgKeyFromFile(cluster.orgKeyFile))).toBe(fresh.fingerprint)
    expect((await peer.config()).orgFingerprint).toBe(exported.fingerprint)
    // Back to the cluster's key: the next test starts a peer from this file.
    expect((await peer.importOrgKey({ key: exported.key })).restartRequired).toBe(false)
  })

  it('a submitter that restarts gets its tasks back, and its next index outranks the old one', async () => {
    const other = cluster.peers[0]!
    const dataDir = join(cluster.root, 'submitter')
    const start = async (): Promise<Awaited<ReturnType<typeof createPeer>>> => await createPeer({
      dataDir, name: 'submitter', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [other.node.getMultiaddrs()[0]!.toString()],
      orgKeyFile: cluster.orgKeyFile, mdns: false, apiPort: null, sampler: quietSampler()
    })
    const until = async (what: string, fn: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 20_000
      while (!await fn()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    const connected = async (p: Awaited<ReturnType<typeof start>>): Promise<void> => {
      await until('the submitter to join', async () => p.node.getPeers().length > 0 && (p.node.services.dht as unknown as { routingTable: { size: number } }).routingTable.size > 0)
    }
    let s = await start()
    await connected(s)
    // Nobody here lends: the task stays queued, which is what a restart must not lose.
    const first = (await s.submitTask({ image: 'busybox', command: ['true'] })).taskId
    await new Promise(resolve => setTimeout(resolve, 500))
    await s.stop()
    s = await start()
    await until('the first task to come back', async () => (await s.listTasks()).some(t => t.taskId === first && t.mine))
    await connected(s)
    const second = (await s.submitTask({ image: 'busybox', command: ['false'] })).taskId
    await new Promise(resolve => setTimeout(resolve, 500))
    await s.stop()
    s = await start()
    await until('both tasks to come back', async () => {
      const mine = (await s.listTasks()).filter(t => t.mine).map(t => t.taskId)
      return mine.includes(first) && mine.includes(second)
    })
    await s.stop()
  })
})
