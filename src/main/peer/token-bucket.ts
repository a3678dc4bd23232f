// Token buckets keyed by peer id: `burst` tokens, refilled at `perMinute`. A key whose bucket is
// full again is dropped, and at most `maxKeys` are kept, so a flood of keys costs bounded memory.

export interface TokenBucketsInit {
  /** Tokens a full bucket holds. */
  burst: number
  /** Tokens added per minute, up to `burst`. */
  perMinute: number
  /** Most keys tracked at once; the oldest is forgotten (it starts full again). Default 10,000. */
  maxKeys?: number
  /** Clock in ms (monotonic by default); tests pass their own. */
  now?: () => number
}

interface Bucket { tokens: number, at: number }

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()
  private readonly maxKeys: number
  private readonly now: () => number

  constructor (private readonly init: TokenBucketsInit) {
    this.maxKeys = init.maxKeys ?? 10_000
    this.now = init.now ?? (() => performance.now())
  }

  /** Tokens `key` has now (fractional while refilling). */
  available (key: string): number {
    const b = this.buckets.get(key)
    if (b === undefined) return this.init.burst
    return Math.min(this.init.burst, b.tokens + (this.now() - b.at) * this.init.perMinute / 60_000)
  }

  /** Takes `n` tokens if `key` has them; false (and nothing taken) otherwise. */
  take (key: string, n = 1): boolean {
    const tokens = this.available(key)
    if (tokens < n) return false
    this.buckets.delete(key) // re-inserted last: Map order is the eviction order
    if (tokens - n < this.init.burst) this.buckets.set(key, { tokens: tokens - n, at: this.now() })
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    return true
  }

  /** Ms until `key` has `n` tokens again (0 if it has them now). */
  retryAfterMs (key: string, n = 1): number {
    const missing = n - this.available(key)
    return missing <= 0 ? 0 : Math.ceil(missing * 60_000 / this.init.perMinute)
  }
}
