// The lending chart's data: what this computer lent, sampled every 2 s, last 10 minutes.
import type { LendingView } from '../../shared/sharing.js'

export const HISTORY_WINDOW_MS = 10 * 60_000
export const HISTORY_SAMPLE_MS = 2000

export interface LendSample { at: number, heldCpu: number, heldMemMb: number }

export const sampleOf = (lending: LendingView, at: number): LendSample =>
  ({ at, heldCpu: lending.heldCpu, heldMemMb: lending.heldMemMb })

/** Adds a sample and drops those older than the window (and any from a clock that went back). */
export function pushSample (history: readonly LendSample[], sample: LendSample, windowMs = HISTORY_WINDOW_MS): LendSample[] {
  const oldest = sample.at - windowMs
  const kept = history.filter((s) => s.at >= oldest && s.at < sample.at)
  kept.push(sample)
  return kept
}
