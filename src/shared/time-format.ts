// Wall-clock times and durations in the words the CLI and the UI show ("snoozed until 15:42").

/** "15:42" today, "tomorrow 09:00", else "2025-03-04 09:00"; local time of this machine. */
export function formatClock (wallMs: number, nowMs: number): string {
  const at = new Date(wallMs)
  const two = (n: number): string => String(n).padStart(2, '0')
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}`
  const day = (d: Date): string => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
  const today = new Date(nowMs)
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1)
  if (day(at) === day(today)) return clock
  if (day(at) === day(tomorrow)) return `tomorrow ${clock}`
  return `${day(at)} ${clock}`
}

/** "40 s", "3 min", "1 h 5 min": rounded down, so "idle 14 min" never overstates. */
export function formatDuration (ms: number): string {
  const sec = Math.floor(Math.max(0, ms) / 1000)
  if (sec < 60) return `${sec} s`
  const min = Math.floor(sec / 60)
  if (min < 60) return `${min} min`
  const rest = min % 60
  return rest === 0 ? `${Math.floor(min / 60)} h` : `${Math.floor(min / 60)} h ${rest} min`
}
