// The control peer's reports on embedded PGlite (the control peer's default database).
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { openDb, type ControlDb } from './db.js'
import { reportsContract } from './reports-contract.test-helper.js'

// PGlite's first open takes ~4-6 s (more while other unit files load the 2 cores): one per file.
const OPEN_TIMEOUT_MS = 45_000

let dir: string
let db: ControlDb

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-reports-'))
  db = await openDb({ dataDir: dir })
}, OPEN_TIMEOUT_MS)

afterAll(async () => {
  await db?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
}, OPEN_TIMEOUT_MS)

describe('control reports on PGlite', () => {
  reportsContract(() => db)
})
