// Reconnect delays for the event stream: quick first retry, then doubling, capped so a peer that
// comes back is noticed within 10 s.
export const RECONNECT_MIN_MS = 1000
export const RECONNECT_MAX_MS = 10_000

/** Delay before reconnect attempt `attempt` (0 = the first retry after a drop). */
export function reconnectDelayMs (attempt: number): number {
  const n = Math.max(0, Math.floor(attempt))
  // 2 ** 4 already passes the cap; clamping the exponent keeps huge attempt counts finite.
  return Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(n, 10))
}
