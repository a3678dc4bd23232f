// The control store on embedded PGlite (the control peer's default database).
import { describe, expect, it } from 'vitest'
import { ControlStore } from './control-store.js'
import { lifecycle, snapshot, specOf, taskIdOf } from './histories.test-helper.js'
import { MIGRATIONS } from './migrations.js'
import { controlStoreContract } from './store-contract.test-helper.js'
import { OPEN_TIMEOUT_MS, usePglite } from './pglite.test-helper.js'

const pglite = usePglite('mcloud-control-')

describe('ControlStore on PGlite', () => {
  it('opens PGlite in <dataDir>/control-db with every migration applied', async () => {
    const db = pglite.db()
    expect(db.kind).toBe('pglite')
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version))
  })

  controlStoreContract(pglite.db, { tasks: 60, replayShuffles: 60, propertyRuns: 200, propertyTimeoutMs: 30_000 })

  it('keeps its data across close and reopen of the same dir, without migrating twice', async () => {
    const store = new ControlStore(pglite.db())
    for (const e of lifecycle(50)) await store.applyState(e.state, e.sigHash, e.observedAt)
    await store.applySpec(taskIdOf(50), specOf(50))
    const before = await snapshot(pglite.db())
    const db = await pglite.reopen()
    expect(await snapshot(db)).toEqual(before)
    const { rows } = await db.query('SELECT count(*) AS n FROM schema_migrations')
    expect(Number(rows[0].n)).toBe(MIGRATIONS.length)
    expect((await new ControlStore(db).job(taskIdOf(50)))?.status).toBe('succeeded')
  }, OPEN_TIMEOUT_MS)
})
