// A read that also asks a lease holder for its own copy (RecordStore.get `holder`): the holder's
// result reaches a reader even when none of the replicas the reader asks has it, which is what a
// peer about to take over an "expired" lease needs to see (lease-engine.ts claim).
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deriveTaskId, PROTOCOL_VERSION, taskStateKey, type TaskState } from '../../src/shared/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const PEERS = 8
/** RecordStore's default read quorum: a read asks the 5 closest replicas. */
const READ_QUORUM = 5

interface Internals { direct: { replicas: (key: Uint8Array) => Array<{ toString: () => string }>, put: (key: Uint8Array, value: Uint8Array, peers: unknown[]) => Promise<number> } }

describe('a read that asks the holder', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(PEERS)
    await waitFor('every peer connected to all the others', () => cluster.peers.every(p => p.node.getConnections().length >= PEERS - 1), 60_000, 200)
  })
  afterAll(async () => { await cluster?.stop() })

  it('gets the holder\'s result that none of the replicas read has; without `holder` the read misses it', async () => {
    const [reader, holder] = cluster.peers
    const internals = (p: typeof reader): Internals => p!.records as unknown as Internals
    // A task whose 5 closest replicas, as the reader ranks them, leave the holder out.
    let taskId = ''
    let specHash = ''
    for (let i = 0; ; i++) {
      specHash = (i.toString(16) + 'ab'.repeat(32)).slice(0, 64)
      taskId = deriveTaskId(reader!.peerId, specHash)
      const asked = internals(reader).direct.replicas(utf8ToBytes(taskStateKey(taskId))).slice(0, READ_QUORUM).map(p => p.toString())
      if (!asked.includes(holder!.peerId)) break
    }
    const key = taskStateKey(taskId)
    const result: TaskState = {
      v: PROTOCOL_VERSION, taskId, submitter: reader!.peerId, specHash, status: 'succeeded', epoch: 1, holder: holder!.peerId,
      seq: 3, attempts: 1, ttlMs: 10_000, exitCode: 0, error: null, resultCid: null, updatedAt: Date.now()
    }
    // Stored by the holder only: its commit's writes to the replicas were lost.
    const rec = await holder!.records.sign(key, result)
    await internals(holder).direct.put(utf8ToBytes(key), rec.bytes, [])

    const missed = await reader!.records.get<'task-state'>(key)
    expect(missed.best).toBeUndefined()
    const asked = await reader!.records.get<'task-state'>(key, { holder: holder!.peerId })
    expect(asked.best?.value).toMatchObject({ status: 'succeeded', epoch: 1, holder: holder!.peerId })
    // The holder's copy is not a replica's: it counts for no quorum.
    expect(asked.heldBy.get(asked.best!.sigHash) ?? 0).toBe(0)
  })
})
