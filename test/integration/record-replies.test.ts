// What a replica sends back to a record read: the record, without the 20 closest peers and their
// addresses that only a network walk needs (direct-replicas.ts trimReadReplies).
import { MessageType } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskStateKey } from '../../src/shared/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'

const NO_PATH = { index: -1, queued: 0, running: 0, total: 0 }

describe('replies of a replica', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(4)
    await waitFor('every peer connected to the three others', () => cluster.peers.every(p => p.node.getConnections().length >= 3), 30_000)
  })
  afterAll(async () => { await cluster?.stop() })

  async function ask (type: MessageType, key: Uint8Array): Promise<{ record?: Uint8Array, closer: unknown[] }> {
    const [a, b] = cluster.peers
    const network = (a!.node.services.dht as unknown as { network: { sendRequest: (to: unknown, msg: object, o: object) => AsyncGenerator<any> } }).network
    for await (const ev of network.sendRequest(peerIdFromString(b!.peerId), { type, key }, { path: NO_PATH })) {
      if (ev.name === 'PEER_RESPONSE') return { record: ev.record?.value, closer: ev.closer }
    }
    throw new Error('no response')
  }

  it('a record read gets the record and no peer list; a FIND_NODE still gets the closest peers', async () => {
    const { taskId } = await cluster.peers[2]!.submitTask({ image: 'busybox', command: ['true'] })
    const key = utf8ToBytes(taskStateKey(taskId))
    const read = await waitFor('the replica to hold the task state', async () => { const r = await ask(MessageType.GET_VALUE, key); return r.record !== undefined ? r : undefined }, 10_000, 200)
    expect(read.closer).toEqual([])
    const walk = await ask(MessageType.FIND_NODE, key)
    expect(walk.closer.length).toBeGreaterThan(0)
  })
})
