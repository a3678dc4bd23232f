// A run's data on the host side: the /input folder filled before the container exists, and the
// task's /output copied out of the engine after its exit (output-archive.ts does the unpacking).
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import type { TaskRun } from '../index.js'
import { OUTPUT_SIZE_MB } from './constants.js'
import { extractOutputArchive, OutputArchiveError, OutputTooLargeError } from './output-archive.js'

/** Gives read access to everyone below `dir`: the task runs as nobody, whatever the umask the input was written with. */
export async function makeReadable (dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true })
  for (const name of entries) {
    const file = path.join(dir, name)
    const st = await lstat(file)
    // a symlink's own mode means nothing, and chmod would follow it
    if (st.isSymbolicLink()) continue
    const wanted = st.mode | (st.isDirectory() ? 0o555 : 0o444)
    if ((st.mode & 0o7777) !== (wanted & 0o7777)) await chmod(file, wanted & 0o7777)
  }
}

export type OutputCopy =
  | { kind: 'copied', dir: string, skipped: string[] }
  /** The task's output broke a rule (too large, a name escaping /output): its message fails the task. */
  | { kind: 'refused', message: string }

/**
 * Copies `/output` of `source` (a container holding the task's /output volume) into
 * `<root>/output`. Rejects when the engine fails (the peer's problem) or `signal` aborts.
 */
export async function copyOutput (source: Dockerode.Container, root: string, run: Pick<TaskRun, 'maxOutputBytes'>, signal: AbortSignal): Promise<OutputCopy> {
  const dir = path.join(root, 'output')
  await mkdir(dir, { recursive: true })
  const archive = await source.getArchive({ path: '/output', abortSignal: signal }) as unknown as Readable
  try {
    const { skipped } = await extractOutputArchive(archive, dir, { maxBytes: run.maxOutputBytes ?? OUTPUT_SIZE_MB * 2 ** 20 })
    return { kind: 'copied', dir, skipped }
  } catch (err) {
    if (!signal.aborted && (err instanceof OutputTooLargeError || err instanceof OutputArchiveError)) return { kind: 'refused', message: err.message }
    throw err
  } finally {
    archive.destroy()
  }
}
