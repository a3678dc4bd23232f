// control/: the control peer's database layer (PostgreSQL server or embedded PGlite).
export { openDb, PGLITE_DIR_NAME, type ControlDb, type OpenDbOptions } from './db.js'
export { ControlStore, type StoreSummary } from './control-store.js'
export { MIGRATIONS, migrate, type Migration } from './migrations.js'
export { DatabaseConnectError, InvalidQueryError, SchemaVersionError } from './errors.js'
export type { JobRow, NodeRow } from './rows.js'
export { startControlPeer, type ControlPeer, type ControlPeerConfig } from './control-peer.js'
export { Mirror, type MirrorInit } from './mirror.js'
