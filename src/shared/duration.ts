// Run times as people type them ("90", "45s", "30m", "2h", "1d") and as a form shows them back.

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 }

/** "3600", "90s", "30m", "2h", "1d" → whole seconds; undefined when malformed. */
export function parseDurationSec (text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?$/.exec(text.trim())
  if (m == null) return undefined
  const sec = Math.round(Number(m[1]) * UNIT_SEC[m[2] ?? 's']!)
  return Number.isFinite(sec) ? sec : undefined
}

/** The shortest exact text parseDurationSec reads back: 86400 → "1d", 5400 → "90m", 45 → "45s". */
export function durationText (sec: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNIT_SEC[unit]!
    if (sec >= size && sec % size === 0) return `${sec / size}${unit}`
  }
  return `${sec}s`
}
