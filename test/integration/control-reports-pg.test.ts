// The control peer's reports against a real PostgreSQL 15 server: the same hand-built histories
// and answers as the PGlite unit test (pg returns bigint and count(*) as strings, PGlite as numbers).
import { afterAll, beforeAll, describe } from 'vitest'
import { openDb, type ControlDb } from '../../src/main/control/index.js'
import { reportsContract } from '../../src/main/control/reports-contract.test-helper.js'
import { createDatabase, postgresSkipReason, startPostgres, type PgCluster } from '../helpers/postgres.js'

const skipReason = postgresSkipReason()
if (skipReason !== null) console.warn(`[control-reports-pg] skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('control reports on PostgreSQL', () => {
  let cluster: PgCluster
  let db: ControlDb

  beforeAll(async () => {
    cluster = await startPostgres()
    db = await openDb({ url: await createDatabase(cluster, 'mcloud_reports') })
  })

  afterAll(async () => {
    await db?.close()
    await cluster?.stop()
  })

  reportsContract(() => db)
})
