// Distributions reported by every experiment: nearest-rank percentiles, whole milliseconds.

export interface Distribution {
  p50: number | null
  p95: number | null
  max: number | null
  n: number
}

/** Nearest-rank percentile of an ascending list (no interpolation: every figure is a real sample). */
function rank (sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

export function distribution (values: number[]): Distribution {
  if (values.length === 0) return { p50: null, p95: null, max: null, n: 0 }
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: Math.round(rank(sorted, 0.5)), p95: Math.round(rank(sorted, 0.95)), max: Math.round(sorted[sorted.length - 1]!), n: sorted.length }
}

/** "850 ms" below 10 s, else "12.3 s"; "–" for no sample. */
export function formatMs (ms: number | null): string {
  if (ms === null) return '–'
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function formatDistribution (d: Distribution): string {
  return `p50 ${formatMs(d.p50)}  p95 ${formatMs(d.p95)}  max ${formatMs(d.max)}  (n=${d.n})`
}
