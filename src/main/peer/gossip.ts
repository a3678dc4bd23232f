// Gossipsub carries the same signed records as the DHT, as notifications. An invalid record is
// rejected (not forwarded, and gossipsub lowers the sender's score).
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { TOPIC_NODES, TOPIC_TASKS } from '../../shared/index.js'
import type { MCLibp2p } from '../p2p/index.js'
import { openRecord, type OpenedRecord, type RecordStore } from '../records/index.js'

export class GossipChannel {
  private listener: ((evt: any) => void) | undefined

  /**
   * Accepted records reach the peer through the record store's onBetter hook; a new node record
   * that came by gossip (a sign of life now, unlike a copy read from the DHT) also reaches `onNodeRecord`.
   * `admit` may turn a valid record away (the posting limit, task-admission.ts): it is then not
   * remembered, so a later read of the same record still counts as new.
   */
  constructor (
    private readonly node: MCLibp2p, private readonly records: RecordStore, private readonly onNodeRecord: (rec: OpenedRecord) => void = () => {},
    private readonly admit: (rec: OpenedRecord) => boolean = () => true
  ) {}

  start (): void {
    const pubsub = this.node.services.pubsub
    for (const topic of [TOPIC_TASKS, TOPIC_NODES]) {
      pubsub.topicValidators.set(topic, async (_peer, msg) => {
        try {
          const rec = await openRecord(msg.data)
          // A shut-out peer's record is dropped even when a member relays it, and goes no further.
          // Ignore, not Reject: lists are each owner's own, so the relaying member did nothing wrong.
          if (!this.records.admits(rec.signer)) return TopicValidatorResult.Ignore
          const wantTopic = rec.parsed.kind.startsWith('node-') ? TOPIC_NODES : TOPIC_TASKS
          return wantTopic === msg.topic ? TopicValidatorResult.Accept : TopicValidatorResult.Reject
        } catch {
          return TopicValidatorResult.Reject
        }
      })
      pubsub.subscribe(topic)
    }
    this.listener = (evt: CustomEvent<{ topic: string, data: Uint8Array }>) => {
      const { topic, data } = evt.detail
      if (topic !== TOPIC_TASKS && topic !== TOPIC_NODES) return
      openRecord(data).then(rec => {
        if (this.admit(rec) && this.records.remember(rec) && topic === TOPIC_NODES) this.onNodeRecord(rec)
      }).catch(() => {})
    }
    pubsub.addEventListener('message', this.listener)
  }

  stop (): void {
    const pubsub = this.node.services.pubsub
    if (this.listener !== undefined) pubsub.removeEventListener('message', this.listener)
    for (const topic of [TOPIC_TASKS, TOPIC_NODES]) {
      pubsub.topicValidators.delete(topic)
      try { pubsub.unsubscribe(topic) } catch { /* already stopped */ }
    }
  }

  /** Publishes a signed record; a peer with nobody subscribed yet simply keeps it locally. */
  announce (bytes: Uint8Array, kind: string): void {
    void this.publish(bytes, kind)
  }

  /** As announce, settling once the record went out (or could not). */
  async publish (bytes: Uint8Array, kind: string): Promise<void> {
    const topic = kind.startsWith('node-') ? TOPIC_NODES : TOPIC_TASKS
    await this.node.services.pubsub.publish(topic, bytes).then(() => {}, () => {})
  }
}
