import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import type { Libp2p, MultiaddrConnection, PeerId } from '@libp2p/interface'
import { PeerAccess } from './peer-access.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const conn = {} as MultiaddrConnection

describe('PeerAccess', () => {
  it('deny wins, a non-empty allow list admits only its peers, this peer always', async () => {
    const [self, a, b, c] = await Promise.all([newPeer(), newPeer(), newPeer(), newPeer()])
    const access = new PeerAccess(self.toString(), { deny: [b.toString(), self.toString()] })
    expect([self, a, b, c].map(p => access.admits(p.toString()))).toEqual([true, true, false, true])
    access.set({ allow: [a.toString(), b.toString()], deny: [b.toString()] })
    expect([self, a, b, c].map(p => access.admits(p.toString()))).toEqual([true, true, false, false])
    access.set({})
    expect(access.admits(c.toString())).toBe(true)
  })

  it('its gater refuses dials, encrypted connections and relaying for a refused peer, and asks the inner gater too', async () => {
    const [self, a, b, relay] = await Promise.all([newPeer(), newPeer(), newPeer(), newPeer()])
    const access = new PeerAccess(self.toString(), { deny: [b.toString()] })
    const innerRefuses = new Set([relay.toString()])
    const gater = access.gater({ denyDialPeer: p => innerRefuses.has(p.toString()) })
    expect(await gater.denyDialPeer!(a)).toBe(false)
    expect(await gater.denyDialPeer!(b)).toBe(true)
    expect(await gater.denyDialPeer!(relay)).toBe(true)
    expect(await gater.denyInboundEncryptedConnection!(b, conn)).toBe(true)
    expect(await gater.denyOutboundEncryptedConnection!(b, conn)).toBe(true)
    expect(await gater.denyInboundEncryptedConnection!(a, conn)).toBe(false)
    expect(await gater.denyInboundRelayReservation!(b)).toBe(true)
    expect(await gater.denyOutboundRelayedConnection!(a, b)).toBe(true)
    expect(await gater.denyOutboundRelayedConnection!(a, relay)).toBe(false)
    expect(await gater.denyInboundRelayedConnection!(relay, b)).toBe(true)
    // a change of the lists applies to the same gater at once
    access.set({})
    expect(await gater.denyInboundEncryptedConnection!(b, conn)).toBe(false)
    expect(gater.filterMultiaddrForPeer).toBeUndefined()
  })

  it('closeRefused hangs up on exactly the peers no longer admitted', async () => {
    const [self, a, b] = await Promise.all([newPeer(), newPeer(), newPeer()])
    const access = new PeerAccess(self.toString())
    const hungUp: string[] = []
    const node: Pick<Libp2p, 'getPeers' | 'hangUp'> = { getPeers: () => [a, b], hangUp: async (p) => { hungUp.push(p.toString()) } }
    expect(await access.closeRefused(node)).toEqual([])
    access.set({ deny: [b.toString()] })
    expect(await access.closeRefused(node)).toEqual([b.toString()])
    expect(hungUp).toEqual([b.toString()])
  })
})
