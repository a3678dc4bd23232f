// Abuse limits of a peer (issue 7), in one place. Rates are per minute with a burst on top
// (token buckets): a burst of work is normal, a sustained flood is not.

/** Tasks this peer's own API accepts in one burst before refusing with TooManyRequestsError. */
export const TASK_POST_BURST = 600
/** Tasks this peer's own API accepts per minute once a burst is spent. */
export const TASK_POST_PER_MINUTE = 300
/** My task index in the data dir (own-index-file.ts). */
export const OWN_INDEX_FILE = 'task-index.json'
/** Lease periods an unclaimed task of mine stays quiet before I post it again (task-service.ts). */
export const TASK_REPOST_QUIET_LEASES = 4
/** Posted tasks signed and written at once; the others wait their turn. */
export const SUBMIT_CONCURRENCY = 8

/**
 * New tasks taken per submitter from gossip in one burst. Twice the posting limit, so a submitter
 * within its own API's limit is never throttled by a receiver; only one that bypasses it is.
 */
export const TASK_ACCEPT_BURST = 2 * TASK_POST_BURST
/** New tasks taken per submitter per minute from gossip, once its burst is spent. */
export const TASK_ACCEPT_PER_MINUTE = 2 * TASK_POST_PER_MINUTE
/**
 * New DHT keys a replica stores per writer in one burst (record-quota.ts): a task is two new keys
 * (spec, state), so this is four times TASK_POST_BURST in tasks' worth. Keys it already holds
 * (leases, heartbeats, results) are not counted.
 */
export const RECORD_NEW_KEYS_BURST = 2 * 4 * TASK_POST_BURST
/** New DHT keys a replica stores per writer per minute once the burst is spent (4 × the posting rate). */
export const RECORD_NEW_KEYS_PER_MINUTE = 2 * 4 * TASK_POST_PER_MINUTE
/** Submitters tracked at once; the least recently seen is forgotten (its bucket starts full). */
export const TASK_ACCEPT_MAX_SUBMITTERS = 10_000
/** Per-task admission decisions remembered, so a task's spec, state and cancel count once. */
export const TASK_ACCEPT_MAX_DECISIONS = 50_000
/** How often the tasks of throttled submitters are looked up again in their task index. */
export const TASK_CATCH_UP_MS = 15_000
/** At most one "dropping tasks from X" line per submitter per this long. */
export const TASK_DROP_LOG_MS = 60_000
