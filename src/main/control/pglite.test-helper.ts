// One embedded PGlite database per unit test file, in a temp data dir removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { openDb, type ControlDb } from './db.js'

// PGlite's first open takes ~4-6 s (more while other unit files load the 2 cores): one per file.
export const OPEN_TIMEOUT_MS = 45_000

export interface PgliteHandle {
  db: () => ControlDb
  dir: () => string
  /** Closes and opens the same directory again (as a restarted control peer would). */
  reopen: () => Promise<ControlDb>
}

export function usePglite (prefix: string): PgliteHandle {
  let dir = ''
  let db: ControlDb | undefined
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), prefix))
    db = await openDb({ dataDir: dir })
  }, OPEN_TIMEOUT_MS)
  afterAll(async () => {
    await db?.close()
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  }, OPEN_TIMEOUT_MS)
  return {
    db: () => db!,
    dir: () => dir,
    reopen: async () => {
      await db?.close()
      db = await openDb({ dataDir: dir })
      return db
    }
  }
}
