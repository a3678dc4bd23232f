// Replica side of the posting limit (issue 7). The API and gossip limits (task-service.ts,
// task-admission.ts) bound what an honest peer posts and what this peer takes into its task book,
// but a member running modified code can still send PUT_VALUE straight to replicas: every valid,
// signed record it makes up would be kept in this peer's DHT store (in memory) for good. So a
// replica stores NEW keys signed by one writer at a bounded rate; records it already holds keys for
// (leases, heartbeats, results, re-posts) pass as before, and so do this peer's own writes.
//
// A refused put is not acknowledged by this replica, nothing else: the writer's quorum counts the
// missing ack. The default rate is four times what a peer's own API lets its owner post (each task
// is two new keys, spec and state), so a peer within its API's limit never meets it.
import { readRecord } from '../records/index.js'
import { RECORD_NEW_KEYS_BURST, RECORD_NEW_KEYS_PER_MINUTE, TASK_ACCEPT_MAX_SUBMITTERS, TASK_DROP_LOG_MS } from './constants.js'
import { TokenBuckets } from './token-bucket.js'

export interface RecordQuotaInit {
  /** New keys stored per writer in one burst. Default RECORD_NEW_KEYS_BURST. */
  burst?: number
  /** New keys stored per writer per minute. Default RECORD_NEW_KEYS_PER_MINUTE. */
  perMinute?: number
  /** Where refusals are reported (at most one line per writer per minute). Default console.warn. */
  log?: (line: string) => void
  now?: () => number
}

/** Thrown into kad-dht's PUT handler: the put fails and this replica sends no acknowledgement. */
export class RecordQuotaError extends Error {
  override name = 'RecordQuotaError'
}

export class RecordQuota {
  /** New-key puts refused so far, all writers. */
  refused = 0
  private readonly buckets: TokenBuckets
  private readonly logged = new Map<string, number>()
  private readonly now: () => number
  private readonly log: (line: string) => void
  private readonly limits: string

  constructor (private readonly self: string, init: RecordQuotaInit = {}) {
    this.now = init.now ?? (() => performance.now())
    this.log = init.log ?? (line => { console.warn(line) })
    const burst = init.burst ?? RECORD_NEW_KEYS_BURST
    const perMinute = init.perMinute ?? RECORD_NEW_KEYS_PER_MINUTE
    this.limits = `more than ${burst} at once or ${perMinute} a minute`
    this.buckets = new TokenBuckets({ burst, perMinute, maxKeys: TASK_ACCEPT_MAX_SUBMITTERS, now: this.now })
  }

  /** For MonotonicDatastore: called with the record's value (a signed envelope) when its key is new here. */
  readonly admitNew = (value: Uint8Array): void => {
    let writer: string
    try {
      writer = readRecord(value).signer
    } catch {
      return // not ours to judge: the DHT validator has the final word on malformed records
    }
    if (writer === this.self || this.buckets.take(writer)) return
    this.refused++
    const at = this.now()
    if (at - (this.logged.get(writer) ?? -Infinity) >= TASK_DROP_LOG_MS) {
      this.logged.set(writer, at)
      if (this.logged.size > TASK_ACCEPT_MAX_SUBMITTERS) this.logged.delete(this.logged.keys().next().value!)
      this.log(`[records] refusing new records of ${writer}: ${this.limits} (${this.refused} refused in all)`)
    }
    throw new RecordQuotaError(`${writer} is over its rate of new records at this replica`)
  }
}
