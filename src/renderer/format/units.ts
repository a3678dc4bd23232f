// How numbers, ids and times read in the UI; the same words the CLI uses where it has them.
import { formatClock, formatDuration } from '../../shared/time-format.js'
import type { LendingView } from '../../shared/sharing.js'

/** "512 MiB", "1.5 GiB". */
export function formatMemory (mb: number): string {
  if (mb < 1024) return `${Math.round(mb)} MiB`
  return `${trim(mb / 1024, 1)} GiB`
}

export { formatBytes, formatProgress } from '../../shared/byte-format.js'

/** A number of cores without float dust: 1.5, 0.25. */
export const formatCores = (cpu: number): string => trim(cpu, 2)

/** What the Max memory field shows: "4g" for whole GiB, else "1536m". */
export function memoryText (mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024}g` : `${mb}m`
}

/** The last characters of a peer id, enough to tell peers apart. */
export const peerIdTail = (peerId: string): string => peerId.length <= 8 ? peerId : `…${peerId.slice(-8)}`

export const formatPercent = (pct: number): string => `${Math.round(pct)} %`

function trim (x: number, decimals: number): string {
  return String(Number(x.toFixed(decimals)))
}

/** The header's sharing text: "Sharing: on", "Sharing: idle only", "Snoozed until 15:42", "Not lending (submits only)". */
export function sharingStatusText (lending: Pick<LendingView, 'effective' | 'settings'>, now: number, executor?: string): string {
  // A peer without an executor never lends, whatever its mode says.
  if (executor?.startsWith('none') === true) return 'Not lending (submits only)'
  if (lending.effective === 'snoozed') {
    const until = lending.settings.snooze?.until ?? null
    return until === null ? 'Snoozed until resumed' : `Snoozed until ${formatClock(until, now)}`
  }
  return `Sharing: ${lending.effective === 'idle-only' ? 'idle only' : lending.effective}`
}

/** Elapsed time from `since` to `until` (or now), "—" when the start is unknown. */
export function elapsedText (since: number | null | undefined, until: number): string {
  return since === null || since === undefined ? '—' : formatDuration(until - since)
}
