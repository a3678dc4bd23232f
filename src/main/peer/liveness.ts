// This peer's signs of life: its node meta by gossip every beat (what rankers and the membership
// count read), its node lease and meta in the DHT now and then, a goodbye on a graceful stop or
// before sleep and a hello after it. The beat spacing grows with the organisation (lease/membership.ts).
import { nodeLeaseKey, nodeMetaKey, PROTOCOL_VERSION } from '../../shared/index.js'
import { beatIntervalMs } from '../lease/index.js'
import type { RecordStore } from '../records/index.js'
import type { GossipChannel } from './gossip.js'

/** The DHT copies of node records are read by nobody live (gossip carries them): a rare refresh keeps them. */
const DHT_REFRESH_MS = 5 * 60_000

export interface LivenessComponents {
  peerId: string
  ttlMs: number
  records: RecordStore
  gossip: GossipChannel
  /** Members this peer knows (sizes the beat). */
  members: () => number
  /** A fresh node meta value; its seq is never below `seqFloor()`. */
  meta: () => object
  /** Newer than any node record signed so far (metas' seq may run ahead of the clock). */
  seqFloor: () => number
}

export class Liveness {
  private timer: ReturnType<typeof setTimeout> | undefined
  private metaTimer: ReturnType<typeof setTimeout> | undefined
  private lastDhtAt = Number.NEGATIVE_INFINITY
  /** Said goodbye: no node record goes out after it (one would make the others count me again). */
  private leaving = false

  constructor (private readonly c: LivenessComponents) {}

  /** The current beat interval. */
  beatMs (): number {
    return beatIntervalMs(this.c.ttlMs, this.c.members())
  }

  start (): void {
    this.announceMeta()
    this.schedule()
  }

  stop (): void {
    clearTimeout(this.timer)
    clearTimeout(this.metaTimer)
    this.timer = undefined
  }

  /** What this peer lends changed: the meta goes out at once (coalesced over 50 ms), not at the next beat. */
  announceMeta (): void {
    if (this.metaTimer !== undefined) return
    this.metaTimer = setTimeout(() => {
      this.metaTimer = undefined
      if (!this.leaving) this.gossipSigned('node-meta', this.c.meta())
    }, 50)
  }

  /** Graceful stop or sleep: the others stop counting me, so nobody is left short of a majority. A crash says nothing. */
  async goodbye (): Promise<void> {
    this.leaving = true
    const rec = await this.c.records.sign(nodeLeaseKey(this.c.peerId), this.lease(true))
    // The publish only queues it: a moment for it to leave before the connections close.
    await Promise.race([this.c.gossip.publish(rec.bytes, 'node-lease'), new Promise(resolve => setTimeout(resolve, 500))])
    await new Promise(resolve => setTimeout(resolve, 200))
  }

  /** Back from sleep: counted as a member again at once, not at the next beat. */
  hello (): void {
    if (!this.leaving) return
    this.leaving = false
    this.gossipSigned('node-lease', this.lease(false))
    this.announceMeta()
  }

  /** Signs one of this peer's node records (kept locally, no DHT write) and gossips it. */
  private gossipSigned (kind: 'node-meta' | 'node-lease', value: object): void {
    const key = kind === 'node-meta' ? nodeMetaKey(this.c.peerId) : nodeLeaseKey(this.c.peerId)
    void this.c.records.sign(key, value).then(rec => { this.c.gossip.announce(rec.bytes, kind) }, () => {})
  }

  private lease (leaving: boolean): object {
    return { v: PROTOCOL_VERSION, peerId: this.c.peerId, seq: this.c.seqFloor(), ttlMs: this.c.ttlMs, ...(leaving ? { leaving: true } : {}) }
  }

  // A timeout per beat, not an interval: the spacing follows the organisation's size, and ±10 %
  // of jitter keeps peers started together from beating together.
  private schedule (): void {
    const ms = this.beatMs() * (0.9 + Math.random() * 0.2)
    this.timer = setTimeout(() => {
      this.beat()
      if (this.timer !== undefined) this.schedule()
    }, ms)
  }

  private beat (): void {
    if (this.leaving) return
    const { records, gossip, peerId } = this.c
    const now = performance.now()
    if (now - this.lastDhtAt >= DHT_REFRESH_MS) {
      this.lastDhtAt = now
      void records.put(nodeLeaseKey(peerId), this.lease(false)).catch(() => {})
      void records.put(nodeMetaKey(peerId), this.c.meta(), { announce: b => { gossip.announce(b, 'node-meta') } }).catch(() => {})
    } else {
      this.gossipSigned('node-meta', this.c.meta())
    }
  }
}
