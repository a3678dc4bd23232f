// Defaults of the resources module, one line each on why the value is what it is.

/** Sample every 2 s: fast enough to see the owner come back, cheap enough to go unnoticed. */
export const SAMPLE_INTERVAL_MS = 2_000

/** EWMA weight of the newest CPU reading: one spike moves the value only halfway. */
export const CPU_SMOOTHING_ALPHA = 0.5

/**
 * A first CPU reading averaged over more than this is not "now" (since boot, or since some other
 * caller of systeminformation's shared counters last asked): measure again over a short window.
 */
export const MAX_FIRST_WINDOW_MS = 5_000

/** That short window; systeminformation returns its cached answer to calls < 200 ms apart. */
export const FIRST_WINDOW_MS = 300

/** idle-only: the user counts as active when their last input is younger than this. */
export const ACTIVE_THRESHOLD_SEC = 5

/** The owner's sharing settings live in this file in the data dir. */
export const SETTINGS_FILE = 'settings.json'

/** The settings are the owner's: readable and writable by them only. */
export const SETTINGS_FILE_MODE = 0o600
