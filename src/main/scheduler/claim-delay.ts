// How long a provider waits before it claims a task it has room for.

export interface ClaimDelayInput {
  /** This peer's place in the task's rendezvous order among the providers with room (0 = first). */
  rank: number
  /** The task's lease expired (its holder is presumed dead): recovery time counts, steps are shorter. */
  orphan: boolean
  /** The wait per rank for a fresh task. */
  stepMs: number
  /** This peer's load back-off (Placement.backoffMs): a busier peer lets idler ones go first. */
  backoffMs: number
  /** Other providers that have room for the task now (from node meta gossip). */
  othersWithRoom: number
  /** Up to this much random wait, for views of the ranking that differ. */
  jitterMs: number
  random?: () => number
}

/**
 * One step per rank (a quarter step for orphans), plus the load back-off only when another
 * provider has room: when nobody else can take the task, waiting spreads nothing and only leaves
 * a slot idle (bench throughput: ~200 of the 693 ms between one container and the next). Orphans
 * get no back-off at all: their owner has already waited a lease ttl, and the ranking alone keeps
 * two peers from racing for them.
 */
export function claimDelayMs (i: ClaimDelayInput): number {
  const step = i.orphan ? i.stepMs / 4 : i.stepMs
  const backoff = i.othersWithRoom > 0 && !i.orphan ? i.backoffMs : 0
  return i.rank * step + backoff + (i.random ?? Math.random)() * i.jitterMs
}
