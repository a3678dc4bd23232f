import { describe, expect, it } from 'vitest'
import { COMPLETE_MESH, GossipMesh, PARTIAL_MESH, type MeshKnobs } from './gossip-mesh.js'

/** gossipsub's options, mesh, PRUNE sender and events, as GossipMesh sees them. */
class FakeGossipsub extends EventTarget {
  opts = { D: 6, Dlo: 5, Dhi: 12, Dout: 2, Dscore: 4, other: 'kept' }
  mesh = new Map<string, Set<string>>([['t', new Set()]])
  pruned: Array<[string, string[]]> = []
  async sendGraftPrune (_tograft: Map<string, string[]>, toprune: Map<string, string[]>): Promise<void> {
    this.pruned.push(...toprune)
  }

  heartbeat (): void { this.dispatchEvent(new CustomEvent('gossipsub:heartbeat')) }
  /** A graft this peer sent (outbound) or accepted (inbound). */
  graft (peerId: string, direction: 'inbound' | 'outbound'): void {
    this.mesh.get('t')!.add(peerId)
    this.dispatchEvent(new CustomEvent('gossipsub:graft', { detail: { peerId, topic: 't', direction } }))
  }
}

const knobs = (o: MeshKnobs): MeshKnobs => ({ D: o.D, Dlo: o.Dlo, Dhi: o.Dhi, Dout: o.Dout, Dscore: o.Dscore })

describe('GossipMesh', () => {
  it('grafts nobody while connected to every member, and accepts grafts from peers that need forwarding', () => {
    const gs = new FakeGossipsub()
    new GossipMesh(gs, () => true).start()
    expect(knobs(gs.opts)).toEqual(COMPLETE_MESH)
    expect(gs.opts.Dlo).toBe(0)
    expect(gs.opts.Dout).toBe(0)
    expect(gs.opts.Dhi).toBeGreaterThan(0)
    expect(gs.opts.other).toBe('kept')
  })

  it('grafts while it misses a member; reaching them all, it prunes the links it grafted and keeps those grafted by others', () => {
    const gs = new FakeGossipsub()
    let complete = false
    new GossipMesh(gs, () => complete).start()
    expect(knobs(gs.opts)).toEqual(PARTIAL_MESH)
    expect(gs.opts.Dlo).toBeGreaterThan(0)
    gs.graft('mine-1', 'outbound')
    gs.graft('mine-2', 'outbound')
    gs.graft('theirs', 'inbound')
    gs.heartbeat()
    expect(knobs(gs.opts)).toEqual(PARTIAL_MESH)
    expect(gs.pruned).toEqual([])

    complete = true
    gs.heartbeat()
    expect(knobs(gs.opts)).toEqual(COMPLETE_MESH)
    expect(gs.pruned).toEqual([['mine-1', ['t']], ['mine-2', ['t']]])
    expect([...gs.mesh.get('t')!]).toEqual(['theirs'])
    gs.heartbeat()
    expect(gs.pruned).toHaveLength(2)

    complete = false
    gs.heartbeat()
    expect(knobs(gs.opts)).toEqual(PARTIAL_MESH)
  })

  it('stops following heartbeats when stopped', () => {
    const gs = new FakeGossipsub()
    let complete = true
    const mesh = new GossipMesh(gs, () => complete)
    mesh.start()
    mesh.stop()
    complete = false
    gs.heartbeat()
    expect(knobs(gs.opts)).toEqual(COMPLETE_MESH)
  })

  it('refuses a pubsub without what it needs, naming it', () => {
    expect(() => new GossipMesh({}, () => true)).toThrow(/opts\.D .*sendGraftPrune/)
  })
})
