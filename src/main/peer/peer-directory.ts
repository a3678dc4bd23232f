// What this peer knows of the others from their gossiped node meta: who lends, who has room.
import type { NodeMeta } from '../../shared/index.js'
import type { Need } from '../scheduler/index.js'

interface Entry { meta: NodeMeta, seenAt: number }

export class PeerDirectory {
  private readonly peers = new Map<string, Entry>()

  /** `freshForMs`: a meta older than this is not trusted (a few liveness beats). */
  constructor (private readonly freshForMs: () => number) {}

  observe (meta: NodeMeta): void {
    this.peers.set(meta.peerId, { meta, seenAt: performance.now() })
  }

  meta (peerId: string): NodeMeta | undefined {
    return this.peers.get(peerId)?.meta
  }

  /** Providers whose last meta (younger than the freshness window) says they can take this task now. */
  available (need: Need | undefined): string[] {
    const now = performance.now()
    const fresh = this.freshForMs()
    const out: string[] = []
    for (const [id, e] of this.peers) {
      if (now - e.seenAt <= fresh && hasRoom(e.meta, need)) out.push(id)
    }
    return out
  }
}

// A peer that is not claiming (paused, snoozed, waiting for idle, Docker down) gossips zero lendable.
function hasRoom (m: NodeMeta, need: Need | undefined): boolean {
  if (m.lendableCpu <= 0 || m.sharing === 'paused' || m.sharing === 'snoozed') return false
  if (need === undefined) return true
  return m.lendableCpu + 0.01 >= need.cpu && m.lendableMemMb >= need.memoryMb && (!need.network || m.allowNetwork)
}
