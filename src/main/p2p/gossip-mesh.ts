// Gossip forwarding only where it is needed. Every record is flood-published: its signer sends it
// straight to every member it is connected to, and members dial each other (peer-dialer), so a
// peer connected to every member it knows gets each record first-hand. A gossipsub mesh on top
// only forwards it copies it already has: at 50 peers each record arrived ~5 times (1 + D = 4
// forwards), and receiving and forwarding those copies was most of a peer's CPU (bench scale:
// with no mesh, 50 idle peers cost 1.0 % of a core each instead of 1.8 %, and 100 tasks finished
// in 60 s where 56 had in 150 s).
//
// So a peer keeps no mesh while it reaches every member it knows, and grafts a small one while it
// misses some (still meeting them, behind a NAT, an organisation larger than the dialer's bound):
// its mesh peers forward it what it cannot get first-hand. Every peer accepts grafts, so a
// complete peer still forwards to the few that asked; once a peer reaches everyone again it
// prunes the links it grafted itself. gossipsub reads these knobs at each heartbeat (1 s); its
// IHAVE/IWANT gossip (Dlazy) stays on as the repair path either way.

/** The mesh knobs of gossipsub's options this class sets (public `opts` of the GossipSub class). */
export interface MeshKnobs { D: number, Dlo: number, Dhi: number, Dout: number, Dscore: number }

type GraftEvent = CustomEvent<{ peerId: string, topic: string, direction: 'inbound' | 'outbound' }>

/** The parts of gossipsub this class uses: its options, its mesh, its PRUNE sender and its graft/prune events (fields of the GossipSub class). */
interface GossipsubInternals {
  opts: MeshKnobs
  mesh: Map<string, Set<string>>
  sendGraftPrune: (tograft: Map<string, string[]>, toprune: Map<string, string[]>, noPX: Map<string, boolean>) => Promise<void>
  addEventListener: (type: string, listener: (evt: Event) => void) => void
  removeEventListener: (type: string, listener: (evt: Event) => void) => void
}

/** A peer that misses members grafts this many; more than MESH_ACCEPT grafts are pruned down to it. */
const MESH_WANT = 2
/** Grafts a peer accepts from peers that need forwarding. */
const MESH_ACCEPT = 12

/** Reaching every member: graft nobody (Dlo 0), accept up to MESH_ACCEPT grafts. Dout 0: no outbound quota to fill. */
export const COMPLETE_MESH: Readonly<MeshKnobs> = { D: MESH_WANT, Dlo: 0, Dhi: MESH_ACCEPT, Dout: 0, Dscore: 0 }
/** Missing some member: keep at least one mesh peer, graft up to MESH_WANT. */
export const PARTIAL_MESH: Readonly<MeshKnobs> = { D: MESH_WANT, Dlo: 1, Dhi: MESH_ACCEPT, Dout: 0, Dscore: 0 }

export class GossipMesh {
  private complete = true
  private readonly gs: GossipsubInternals
  /** Mesh links this peer grafted itself, by topic: the ones it prunes once it reaches everyone. */
  private readonly grafted = new Map<string, Set<string>>()
  private readonly onHeartbeat = (): void => { this.update() }
  private readonly onGraft = (evt: Event): void => {
    const { direction, topic, peerId } = (evt as GraftEvent).detail
    if (direction !== 'outbound') return
    let peers = this.grafted.get(topic)
    if (peers === undefined) this.grafted.set(topic, peers = new Set())
    peers.add(peerId)
  }

  private readonly onPrune = (evt: Event): void => {
    const { topic, peerId } = (evt as GraftEvent).detail
    this.grafted.get(topic)?.delete(peerId)
  }

  /**
   * `pubsub`: the node's gossipsub service, whose options, mesh and PRUNE sender it uses (not
   * part of its typed interface: re-check on a gossipsub upgrade; a missing one fails here, not
   * silently). `isComplete`: whether this peer is connected to every member it knows of.
   * `newcomerMs`: for this long after start the peer counts as missing members whatever
   * `isComplete` says (a newcomer learns who they are from the very records it would miss).
   */
  constructor (pubsub: object, private readonly isComplete: () => boolean, private readonly newcomerMs = 0) {
    const gs = pubsub as Partial<GossipsubInternals>
    if (typeof gs.opts?.D !== 'number' || typeof gs.opts.Dhi !== 'number' || !(gs.mesh instanceof Map) || typeof gs.sendGraftPrune !== 'function') {
      throw new Error('gossipsub lacks what the adaptive mesh needs (opts.D / opts.Dhi, mesh, sendGraftPrune): check the gossipsub version')
    }
    this.gs = gs as GossipsubInternals
  }

  private startedAt = 0

  start (): void {
    this.startedAt = performance.now()
    Object.assign(this.gs.opts, COMPLETE_MESH)
    this.gs.addEventListener('gossipsub:graft', this.onGraft)
    this.gs.addEventListener('gossipsub:prune', this.onPrune)
    this.gs.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.update()
  }

  stop (): void {
    this.gs.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.gs.removeEventListener('gossipsub:graft', this.onGraft)
    this.gs.removeEventListener('gossipsub:prune', this.onPrune)
  }

  /** Sets the knobs for the next heartbeat. */
  update (): void {
    const complete = performance.now() - this.startedAt >= this.newcomerMs && this.isComplete()
    if (complete === this.complete) return
    this.complete = complete
    Object.assign(this.gs.opts, complete ? COMPLETE_MESH : PARTIAL_MESH)
    if (complete) this.pruneMine()
  }

  /**
   * Reaching everyone again, this peer prunes the links it grafted while it missed someone: left
   * in place, the meshes every peer grafted while meeting the others forwarded duplicates for
   * good. Links other peers grafted stay: they may still miss someone.
   */
  private pruneMine (): void {
    const toprune = new Map<string, string[]>()
    for (const [topic, peers] of this.grafted) {
      const mesh = this.gs.mesh.get(topic)
      for (const peer of peers) {
        if (mesh?.delete(peer) === true) toprune.set(peer, [...(toprune.get(peer) ?? []), topic])
      }
      peers.clear()
    }
    if (toprune.size > 0) void this.gs.sendGraftPrune(new Map(), toprune, new Map()).catch(() => {})
  }
}
