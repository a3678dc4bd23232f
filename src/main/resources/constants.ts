// Defaults of the resources module, one line each on why the value is what it is.

/** Sample every 2 s: fast enough to see the owner come back, cheap enough to go unnoticed. */
export const SAMPLE_INTERVAL_MS = 2_000

/**
 * EWMA weight of the newest CPU reading (time constant ≈ 7 s at one sample per 2 s). A short spike
 * (a `docker run`, a page load) must not stall placement: with 0.5 the latency bench measured
 * claims held back 4–12 s in 7 of 20 runs by the bench's own bare docker runs; the owner's
 * sustained work still shows within ~10 s, and an idle source (the desktop app) reacts at once.
 */
export const CPU_SMOOTHING_ALPHA = 0.25

/** A first CPU reading averaged over more than this is not "now": measure again over a short window. */
export const MAX_FIRST_WINDOW_MS = 5_000

/** That short window. */
export const FIRST_WINDOW_MS = 300

/** idle-only: the user counts as active when their last input is younger than this. */
export const ACTIVE_THRESHOLD_SEC = 5

/** The owner's sharing settings live in this file in the data dir. */
export const SETTINGS_FILE = 'settings.json'

/** The settings are the owner's: readable and writable by them only. */
export const SETTINGS_FILE_MODE = 0o600
