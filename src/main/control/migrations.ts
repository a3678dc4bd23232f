// Ordered schema migrations, the same SQL for PostgreSQL (pg) and PGlite. Each migration is a list
// of single statements because PGlite's query() takes one statement at a time.
import type { ControlDb } from './db.js'
import { SchemaVersionError } from './errors.js'

export interface Migration {
  version: number
  name: string
  statements: readonly string[]
}

// sig_hash is compared with `<` by the record order (JS string order): COLLATE "C" makes SQL
// compare the same way whatever the server's locale.
const V1_INITIAL: readonly string[] = [
  `CREATE TABLE demand_jobs (
    id text PRIMARY KEY,
    spec_hash text,
    submitter text,
    submitter_name text,
    image text,
    command jsonb,
    cpu double precision,
    memory_mb integer,
    timeout_sec integer,
    max_attempts integer,
    retry_on_failure boolean,
    network boolean,
    status text,
    status_rank smallint,
    terminal boolean NOT NULL DEFAULT false,
    lease_token integer,
    holder text,
    seq bigint,
    attempts integer,
    exit_code integer,
    error text,
    result_cid text,
    sig_hash text COLLATE "C",
    ttl_sec double precision,
    metrics jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    finished_at timestamptz,
    observed_at timestamptz
  )`,
  // The reconciler reads the open tasks on every start and after every gap.
  'CREATE INDEX demand_jobs_open ON demand_jobs (id) WHERE NOT terminal',
  'CREATE INDEX demand_jobs_status_updated ON demand_jobs (status, updated_at DESC)',
  `CREATE TABLE task_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id text NOT NULL,
    epoch integer NOT NULL,
    status text NOT NULL,
    seq bigint NOT NULL,
    holder text,
    attempts integer NOT NULL,
    exit_code integer,
    error text,
    result_cid text,
    sig_hash text COLLATE "C" NOT NULL,
    updated_at timestamptz NOT NULL,
    observed_at timestamptz NOT NULL,
    UNIQUE (task_id, epoch, status, seq, sig_hash)
  )`,
  `CREATE TABLE nodes (
    peer_id text PRIMARY KEY,
    name text NOT NULL,
    version text NOT NULL,
    cores integer NOT NULL,
    idle_cpu_pct double precision NOT NULL,
    free_mem_mb bigint NOT NULL,
    lendable_cpu double precision NOT NULL,
    lendable_mem_mb bigint NOT NULL,
    sharing text NOT NULL,
    docker_ok boolean NOT NULL,
    allow_network boolean NOT NULL,
    running_tasks integer NOT NULL,
    addrs jsonb NOT NULL,
    seq bigint NOT NULL,
    sig_hash text COLLATE "C" NOT NULL,
    updated_at timestamptz NOT NULL,
    last_seen timestamptz NOT NULL
  )`,
  `CREATE TABLE node_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    peer_id text NOT NULL,
    seq bigint NOT NULL,
    sig_hash text COLLATE "C" NOT NULL,
    idle_cpu_pct double precision NOT NULL,
    free_mem_mb bigint NOT NULL,
    lendable_cpu double precision NOT NULL,
    lendable_mem_mb bigint NOT NULL,
    sharing text NOT NULL,
    docker_ok boolean NOT NULL,
    running_tasks integer NOT NULL,
    updated_at timestamptz NOT NULL,
    observed_at timestamptz NOT NULL,
    UNIQUE (peer_id, seq, sig_hash)
  )`
]

// The dashboard's per-node figures select tasks by holder.
const V2_HOLDER_INDEX: readonly string[] = [
  'CREATE INDEX demand_jobs_holder ON demand_jobs (holder)'
]

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', statements: V1_INITIAL },
  { version: 2, name: 'index tasks by holder', statements: V2_HOLDER_INDEX }
]

// Any constant works; it only has to be the same in every control peer sharing one server.
const MIGRATION_LOCK_KEY = 0x6d63_6c64

/**
 * Applies the pending migrations in one transaction and returns their versions. Two control peers
 * starting against one server serialise on an advisory lock, so neither applies a migration twice.
 */
export async function migrate (db: ControlDb, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
    const applied = new Set(rows.map((r) => Number(r.version)))
    const known = Math.max(0, ...migrations.map((m) => m.version))
    const newest = Math.max(0, ...applied)
    if (newest > known) {
      throw new SchemaVersionError(`database: schema version ${newest} is newer than this build knows (${known}); upgrade mcloud`)
    }
    const done: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      try {
        for (const sql of m.statements) await tx.query(sql)
      } catch (err) {
        throw new Error(`database: migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      done.push(m.version)
    }
    return done
  })
}
