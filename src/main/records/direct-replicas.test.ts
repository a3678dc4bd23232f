import { generateKeyPair } from '@libp2p/crypto/keys'
import type { KadDHT } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { DirectReplicas } from './direct-replicas.js'

/** A kad-dht whose routing table knows only some of the peers, as it often does above ~22 peers. */
function fakeDht (known: number): KadDHT {
  return { k: 20, routingTable: { size: known, closestPeers: () => [] } } as unknown as KadDHT
}

const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!)
const cmp = (a: Uint8Array, b: Uint8Array): number => { for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!; return 0 }

describe('DirectReplicas', () => {
  it('every member picks the same K replicas for a key, the members closest by kad distance, whatever its routing table holds', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const members = new Set(ids.map(String))
    const key = utf8ToBytes('/mc/task/abc/state')
    const a = new DirectReplicas(fakeDht(12), ids[0]!, () => 29, () => members).replicas(key)!
    const b = new DirectReplicas(fakeDht(25), ids[1]!, () => 29, () => members).replicas(key)!
    expect(a).toHaveLength(20)
    // The same set, except that a peer is never its own replica.
    const expected = [...ids].sort((x, y) => cmp(xor(sha256(key), sha256(x.toMultihash().bytes)), xor(sha256(key), sha256(y.toMultihash().bytes))))
    expect(a.map(String)).toEqual(expected.filter(p => !p.equals(ids[0]!)).slice(0, 20).map(String))
    expect(b.map(String)).toEqual(expected.filter(p => !p.equals(ids[1]!)).slice(0, 20).map(String))
    // A smaller organisation: every other member is a replica.
    const few = new Set(ids.slice(0, 4).map(String))
    expect(new DirectReplicas(fakeDht(1), ids[0]!, () => 3, () => few).replicas(key)!.map(String).sort()).toEqual(ids.slice(1, 4).map(String).sort())
  })

  it('asks the replicas it reaches first: after a crash the dead ones, still members for a while, come last', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const members = new Set(ids.map(String))
    const key = utf8ToBytes('/mc/task/def/state')
    const all = new DirectReplicas(fakeDht(9), ids[0]!, () => 9, () => members).replicas(key)!
    const up = new Set(all.slice(3).map(String))
    const ordered = new DirectReplicas(fakeDht(9), ids[0]!, () => 6, () => members, () => up).replicas(key)!
    expect(ordered.map(String)).toEqual([...all.slice(3), ...all.slice(0, 3)].map(String))
  })
})
