// One small adapter over the two engines the control peer runs on: a PostgreSQL server through a
// pg Pool (--db / DATABASE_URL), or embedded PGlite in the data dir (the default, no server).
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import type { Pool, PoolClient } from 'pg'
import { DatabaseConnectError } from './errors.js'
import { migrate } from './migrations.js'

export interface ControlDb {
  // `any` by default, as pg and PGlite do: callers name the row type where they read fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<R = any>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
  /** Runs fn inside BEGIN … COMMIT (ROLLBACK when it throws). Nested calls join the outer one. */
  transaction<T>(fn: (db: ControlDb) => Promise<T>): Promise<T>
  close(): Promise<void>
  readonly kind: 'pg' | 'pglite'
}

export interface OpenDbOptions {
  /** postgres:// or postgresql:// URL of a server; when set, dataDir is not used. */
  url?: string
  /** The peer's data dir; PGlite keeps its files in <dataDir>/control-db. */
  dataDir?: string
  /** How long to wait for the server at open (and for a pool connection later). Default 10 s. */
  connectTimeoutMs?: number
  /** Size of the pg pool. Default 10. */
  poolSize?: number
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
const DEFAULT_POOL_SIZE = 10
export const PGLITE_DIR_NAME = 'control-db'

/** Opens the database and brings its schema up to date before returning. */
export async function openDb (opts: OpenDbOptions): Promise<ControlDb> {
  let db: ControlDb
  if (opts.url !== undefined && opts.url !== '') db = await openPg(opts.url, opts)
  else if (opts.dataDir !== undefined && opts.dataDir !== '') db = await openPglite(path.join(opts.dataDir, PGLITE_DIR_NAME))
  else throw new DatabaseConnectError('database: give a postgres:// URL or a data dir for the embedded database')
  try {
    await migrate(db)
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
  return db
}

// ---- PostgreSQL server (pg) ---------------------------------------------------------------------

export interface Target { host: string, port: string, user: string, password: string }

function parseTarget (url: string): Target {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new DatabaseConnectError('database: the URL is not valid (expected postgres://user:password@host:port/db)')
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new DatabaseConnectError(`database: the URL must start with postgres:// (got ${u.protocol}//)`)
  }
  return {
    host: u.hostname === '' ? 'localhost' : u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? '5432' : u.port,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password)
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL'])

/** First error code found on err or, for Node's happy-eyeballs AggregateError, on its parts. */
function errorCode (err: unknown): string | undefined {
  const e = err as { code?: unknown, errors?: unknown[] }
  if (typeof e?.code === 'string') return e.code
  if (Array.isArray(e?.errors)) for (const inner of e.errors) { const c = errorCode(inner); if (c) return c }
  return undefined
}

/** A message for the admin: which server, and why; the password is removed if the cause echoes it. */
export function describeConnectError (err: unknown, t: Target, timeoutMs: number): string {
  const code = errorCode(err)
  const raw = err instanceof Error ? err.message : String(err)
  const where = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`
  let why: string
  if (code === '28P01') why = `password authentication failed for user ${t.user}`
  else if (code !== undefined && NETWORK_CODES.has(code)) why = `cannot connect to ${where} (${code})`
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') why = `cannot resolve host ${t.host} (${code})`
  else if (/timeout/i.test(raw)) why = `cannot connect to ${where} (no answer within ${timeoutMs} ms)`
  // pg asks for the password only when the server wants one, and then fails with a SASL message.
  else if (/client password must be a string|password must be a string/i.test(raw)) why = `the server at ${where} asks for a password for user ${t.user}; put it in the URL`
  else why = `${raw} (server ${where})`
  if (t.password !== '') why = why.split(t.password).join('***')
  return `database: ${why}`
}

async function openPg (url: string, opts: OpenDbOptions): Promise<ControlDb> {
  const target = parseTarget(url)
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? DEFAULT_POOL_SIZE, connectionTimeoutMillis: timeoutMs })
  // An idle client dropped by the server emits 'error' on the pool; unhandled, that would kill the
  // peer. The next query fails and reports it to its caller, so nothing is lost by ignoring it here.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (err) {
    await pool.end().catch(() => {})
    throw new DatabaseConnectError(describeConnectError(err, target, timeoutMs), { cause: err })
  }
  return pgPoolDb(pool)
}

function pgPoolDb (pool: Pool): ControlDb {
  let closed = false
  const db: ControlDb = {
    kind: 'pg',
    query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await pool.query(sql, params)).rows as R[] }),
    transaction: async (fn) => {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const out = await fn(pgClientDb(client))
        await client.query('COMMIT')
        return out
      } catch (err) {
        // A failed ROLLBACK means the connection is unusable: hand it back as broken.
        await client.query('ROLLBACK').catch((e: Error) => { broken = e })
        throw err
      } finally {
        client.release(broken)
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      await pool.end()
    }
  }
  return db
}

function pgClientDb (client: PoolClient): ControlDb {
  const db: ControlDb = {
    kind: 'pg',
    query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as R[] }),
    transaction: async (fn) => await fn(db),
    close: async () => { throw new Error('close() is not available inside a transaction') }
  }
  return db
}

// ---- PGlite (embedded) -------------------------------------------------------------------------

async function openPglite (dir: string): Promise<ControlDb> {
  let pglite: PGlite
  try {
    await mkdir(dir, { recursive: true })
    const { PGlite } = await import('@electric-sql/pglite')
    pglite = await PGlite.create(dir)
  } catch (err) {
    throw new DatabaseConnectError(`database: cannot open the embedded database in ${dir} (${err instanceof Error ? err.message : String(err)})`, { cause: err })
  }
  let closed = false
  return {
    kind: 'pglite',
    query: async (sql, params) => await pglite.query(sql, params),
    transaction: async (fn) => await pglite.transaction(async (tx) => await fn(pgliteTxDb(tx))),
    close: async () => {
      if (closed) return
      closed = true
      await pglite.close()
    }
  }
}

function pgliteTxDb (tx: Transaction): ControlDb {
  const db: ControlDb = {
    kind: 'pglite',
    query: async (sql, params) => await tx.query(sql, params),
    transaction: async (fn) => await fn(db),
    close: async () => { throw new Error('close() is not available inside a transaction') }
  }
  return db
}
