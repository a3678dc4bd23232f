// Issue 7: a member that bypasses its own posting limit and sends made-up task records straight to
// a replica (PUT_VALUE) gets a burst of them stored there, then no acknowledgement. Records the
// replica already holds keep being updated by their writers, and the other members' new records
// are stored as before.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PrivateKey } from '@libp2p/interface'
import { deriveTaskId, encodePayload, sha256Hex, taskSpecKey, taskStateKey, type TaskSpec } from '../../src/shared/index.js'
import { loadOrCreateIdentity } from '../../src/main/p2p/index.js'
import { readRecord, signRecord } from '../../src/main/records/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'
import { directGet, directPut } from '../helpers/dht.js'

const BURST = 12
const FLOOD = 40

describe('new records a replica stores per writer', () => {
  let cluster: Cluster
  let peers: Peer[]
  const keys: PrivateKey[] = []

  beforeAll(async () => {
    // a huge lease ttl: each peer writes its own liveness and meta once, at start, and not again
    cluster = await startCluster(3, () => ({ leaseTtlMs: 600_000, taskLimits: { recordBurst: BURST, recordPerMinute: 1 } }))
    peers = cluster.peers
    for (let i = 0; i < peers.length; i++) keys.push(await loadOrCreateIdentity(join(cluster.root, `peer-${i}`)))
  })
  afterAll(async () => { await cluster?.stop() })

  /** A valid, signed spec record of a task nobody posted through an API. */
  async function madeUpSpec (i: number, n: number): Promise<{ key: string, bytes: Uint8Array }> {
    const submitter = peers[i]!.peerId
    const spec: TaskSpec = {
      v: 1, submitter, submitterName: `peer-${i}`, image: 'busybox', command: ['echo', String(n)], cpu: 1, memoryMb: 64,
      timeoutSec: 10, env: {}, maxAttempts: 1, retryOnFailure: false, network: false, createdAt: Date.now(), nonce: `made-up-${n}`
    }
    const key = taskSpecKey(deriveTaskId(submitter, sha256Hex(encodePayload(spec))))
    return { key, bytes: await signRecord(keys[i]!, submitter, key, spec) }
  }

  it('stores a burst of a flooder\'s new records, refuses the rest, and still takes updates and other members\' records', async () => {
    const [flooder, replica, other] = peers as [Peer, Peer, Peer]
    // a task posted the normal way: its spec and state are two of the flooder's new keys on the replica
    const { taskId } = await flooder.submitTask({ image: 'busybox', command: ['true'] })
    const stateKey = taskStateKey(taskId)
    await waitFor('the posted task\'s state on the replica', async () => await directGet(other, replica, stateKey) !== undefined, 15_000)

    const acked: string[] = []
    const refused: string[] = []
    for (let n = 0; n < FLOOD; n++) {
      const { key, bytes } = await madeUpSpec(0, n)
      ;(await directPut(flooder, replica, key, bytes) ? acked : refused).push(key)
    }
    // the posted task's two keys, and its start-up records (meta, task index...), came out of the same burst
    expect(acked.length).toBeGreaterThanOrEqual(BURST - 6)
    expect(acked.length).toBeLessThanOrEqual(BURST - 2)
    expect(refused.length).toBe(FLOOD - acked.length)
    // what was acknowledged is held; what was refused is not
    for (const key of acked) expect(await directGet(other, replica, key), key).toBeDefined()
    for (const key of refused) expect(await directGet(other, replica, key), key).toBeUndefined()

    // a record the replica already holds for the flooder is still updated (like leases, heartbeats, results)
    const state = readRecord((await directGet(other, replica, stateKey))!)
    const seq = (state.value as { seq: number }).seq + 1
    const newer = await signRecord(keys[0]!, flooder.peerId, stateKey, { ...(state.value as object), seq })
    expect(await directPut(flooder, replica, stateKey, newer)).toBe(true)
    expect((readRecord((await directGet(other, replica, stateKey))!).value as { seq: number }).seq).toBe(seq)

    // another member's new records are stored as before, and its tasks post through the API
    const fromOther = await madeUpSpec(2, 0)
    expect(await directPut(other, replica, fromOther.key, fromOther.bytes)).toBe(true)
    const posted = await other.submitTask({ image: 'busybox', command: ['true'] })
    expect((await replica.getTask(posted.taskId)).status).toBe('queued')
  }, 60_000)
})
