// File sizes in words, the same in the CLI and the UI.

/** Decimal units, as file managers and download bars show them: "512 B", "12.3 MB". */
export function formatBytes (bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]!}`
}

/** A transfer's progress: "12.3 MB / 100.0 MB", or "12.3 MB / ?" while its size is unknown. */
export function formatProgress (bytes: number, total: number | null): string {
  return `${formatBytes(bytes)} / ${total === null ? '?' : formatBytes(total)}`
}
