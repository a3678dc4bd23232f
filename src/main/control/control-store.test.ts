// The control store on embedded PGlite (the control peer's default database).
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ControlStore } from './control-store.js'
import { openDb, type ControlDb } from './db.js'
import { lifecycle, snapshot, specOf, taskIdOf } from './histories.test-helper.js'
import { MIGRATIONS } from './migrations.js'
import { controlStoreContract } from './store-contract.test-helper.js'

// PGlite's first open takes ~4-6 s (more while other unit files load the 2 cores): one per file.
const OPEN_TIMEOUT_MS = 45_000

let dir: string
let db: ControlDb

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mcloud-control-'))
  db = await openDb({ dataDir: dir })
}, OPEN_TIMEOUT_MS)

afterAll(async () => {
  await db?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
}, OPEN_TIMEOUT_MS)

describe('ControlStore on PGlite', () => {
  it('opens PGlite in <dataDir>/control-db with every migration applied', async () => {
    expect(db.kind).toBe('pglite')
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version))
  })

  controlStoreContract(() => db, { tasks: 60, replayShuffles: 60, propertyRuns: 200, propertyTimeoutMs: 30_000 })

  it('keeps its data across close and reopen of the same dir, without migrating twice', async () => {
    const store = new ControlStore(db)
    for (const e of lifecycle(50)) await store.applyState(e.state, e.sigHash, e.observedAt)
    await store.applySpec(taskIdOf(50), specOf(50))
    const before = await snapshot(db)
    await db.close()
    db = await openDb({ dataDir: dir })
    expect(await snapshot(db)).toEqual(before)
    const { rows } = await db.query('SELECT count(*) AS n FROM schema_migrations')
    expect(Number(rows[0].n)).toBe(MIGRATIONS.length)
    expect((await new ControlStore(db).job(taskIdOf(50)))?.status).toBe('succeeded')
  }, OPEN_TIMEOUT_MS)
})
