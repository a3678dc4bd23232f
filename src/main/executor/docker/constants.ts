// Defaults of the Docker executor, in one place (see DockerExecutorInit for what each one bounds).
import os from 'node:os'
import path from 'node:path'
import { TASK_OUTPUT_VOLUME_MB } from '../../../shared/task-volume.js'

/** Parent of the per-task work dirs `<taskId>-<epoch>/{input,output}`. */
export const DEFAULT_WORK_ROOT = path.join(os.tmpdir(), 'mcloud-work')

/** A longer log line is cut here and marked, so one runaway line cannot fill memory. */
export const LOG_LINE_MAX_BYTES = 8 * 1024
export const LOG_LINE_CUT_MARKER = ' …[line cut at 8 KiB]'

/** How long a pull of a missing image may take before the image counts as not found. */
export const DEFAULT_PULL_TIMEOUT_MS = 120_000
/** At most one pull progress line per this interval reaches onLog. */
export const PULL_PROGRESS_INTERVAL_MS = 2_000

/** `available()` gives up on a silent daemon after this long … */
export const PING_TIMEOUT_MS = 2_000
/** … and answers from cache for this long. */
export const AVAILABLE_CACHE_MS = 5_000

/** Bound on any single control call (create, start, kill, remove, inspect) to the daemon. */
export const DOCKER_CALL_TIMEOUT_MS = 30_000
/** After a kill, how long the exit may take before the run gives up on the daemon. */
export const KILL_GRACE_MS = 10_000
/** After the exit, how long to wait for the rest of the output still in the attach stream. */
export const LOG_DRAIN_TIMEOUT_MS = 2_000

/** Longest copy of a task's /output out of the engine (at most the volume's 256 MiB) before the run fails. */
export const OUTPUT_COPY_TIMEOUT_MS = 120_000

/** Docker refuses memory limits below 6 MiB. */
export const MIN_MEMORY_MB = 6
export const PIDS_LIMIT = 256
/** Size of the task's /tmp (tmpfs). Its pages count against the task's memory limit as well. */
export const TMP_SIZE_MB = 64
/**
 * Size of the task's /output (a tmpfs volume that lives as long as the container): a task filling it
 * gets ENOSPC instead of filling the owner's disk. Its pages count against the memory limit too.
 */
export const OUTPUT_SIZE_MB = TASK_OUTPUT_VOLUME_MB
/** nobody:nogroup — no task runs as root in its container. */
export const SANDBOX_USER = '65534:65534'

export const LABEL_TASK = 'mcloud.task'
export const LABEL_EPOCH = 'mcloud.epoch'
export const LABEL_OWNER = 'mcloud.owner'
