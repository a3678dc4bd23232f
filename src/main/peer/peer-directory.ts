// What this peer knows of the others from their gossiped node meta: who lends, who has room.
import type { NodeMeta } from '../../shared/index.js'

interface Entry { meta: NodeMeta, seenAt: number }

export class PeerDirectory {
  private readonly peers = new Map<string, Entry>()

  constructor (private readonly freshForMs: number) {}

  observe (meta: NodeMeta): void {
    this.peers.set(meta.peerId, { meta, seenAt: performance.now() })
  }

  meta (peerId: string): NodeMeta | undefined {
    return this.peers.get(peerId)?.meta
  }

  /** Providers whose last meta (younger than the freshness window) says they can take work. */
  available (): string[] {
    const now = performance.now()
    const out: string[] = []
    for (const [id, e] of this.peers) {
      if (now - e.seenAt <= this.freshForMs && e.meta.lendableCpu > 0 && e.meta.sharing !== 'paused') out.push(id)
    }
    return out
  }
}
