// This peer's own task index, kept in its data dir as well as on the DHT: a submitter that
// restarts gets its tasks back even when the network's copy is stale or not reachable yet (an
// index write still in flight when the peer stopped was lost with it; a CI run showed it).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { TASK_INDEX_MAX_OPEN, TASK_INDEX_MAX_RECENT, taskIdString } from '../../shared/schemas.js'

const savedIndexSchema = z.object({
  seq: z.number().int().nonnegative(),
  open: z.array(taskIdString).max(TASK_INDEX_MAX_OPEN),
  recent: z.array(taskIdString).max(TASK_INDEX_MAX_RECENT)
})
export type SavedIndex = z.infer<typeof savedIndexSchema>

/** The saved index, or undefined when there is none. A damaged file is reported and ignored: the network's copy still counts. */
export async function readOwnIndex (file: string, warn: (msg: string) => void): Promise<SavedIndex | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read ${file}: ${(err as Error).message}`)
    return undefined
  }
  try {
    const parsed = savedIndexSchema.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
    warn(`${file}: ${parsed.error.issues[0]?.path.join('.') ?? 'index'}: ${parsed.error.issues[0]?.message ?? 'invalid'}; ignored`)
  } catch (err) {
    warn(`${file}: not JSON (${(err as Error).message}); ignored`)
  }
  return undefined
}

/**
 * Replaces the file in one step (write, then rename), synchronously: it is small, and the peer's
 * stop must be able to save a pending index before the process goes.
 */
export function writeOwnIndex (file: string, index: SavedIndex): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  writeFileSync(tmp, JSON.stringify(index), { mode: 0o600 })
  renameSync(tmp, file)
}
