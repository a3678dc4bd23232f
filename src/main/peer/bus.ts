// The one event bus of a peer: the API, IPC, the control peer and benches all subscribe here.
import type { ApiEvent } from '../../shared/index.js'
import type { SchedulerEvent } from '../scheduler/index.js'

export type PeerEvent = ApiEvent | SchedulerEvent | { type: 'records:republished', count: number }

export class PeerBus {
  private readonly listeners = new Set<(event: PeerEvent) => void>()

  on (listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (event: PeerEvent): void {
    for (const l of this.listeners) {
      try { l(event) } catch { /* a broken subscriber never breaks the peer */ }
    }
  }
}
