// The control peer's reports on embedded PGlite (the control peer's default database).
import { describe } from 'vitest'
import { usePglite } from './pglite.test-helper.js'
import { reportsContract } from './reports-contract.test-helper.js'

const pglite = usePglite('mcloud-reports-')

describe('control reports on PGlite', () => {
  reportsContract(pglite.db)
})
