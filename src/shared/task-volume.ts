// A fact of every provider that both the executor and the settings schema need; kept apart from
// sharing.ts so the executor does not load zod for one number.

/** Size of a task's /output on every provider (a tmpfs volume), MiB: no output is larger. */
export const TASK_OUTPUT_VOLUME_MB = 256
