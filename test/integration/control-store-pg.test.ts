// The control store against a real PostgreSQL 15 server (started here: initdb + pg_ctl as the
// postgres user). The same behaviour as the PGlite unit test, plus what only a server has: a pool
// of concurrent connections, logins that can be refused, and two control peers on one schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore, DatabaseConnectError, MIGRATIONS, openDb, type ControlDb } from '../../src/main/control/index.js';
import { lifecycle, selectedStates, shuffled } from '../../src/main/control/histories.test-helper.js';
import { controlStoreContract } from '../../src/main/control/store-contract.test-helper.js';
import { createDatabase, postgresSkipReason, startPostgres, type PgCluster } from '../helpers/postgres.js';

const skipReason = postgresSkipReason();
if (skipReason) console.warn(`[control-store-pg] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('ControlStore on PostgreSQL', () => {
  let cluster: PgCluster;
  let url: string;
  let db: ControlDb;

  beforeAll(async () => {
    const t = Date.now();
    cluster = await startPostgres();
    url = await createDatabase(cluster, 'mcloud_control');
    db = await openDb({ url });
    console.log(`[control-store-pg] server up and migrated in ${Date.now() - t} ms`);
  });

  afterAll(async () => {
    await db?.close();
    await cluster?.stop();
  });

  it('migrates once, even when two control peers open the same database at the same time', async () => {
    expect(db.kind).toBe('pg');
    const [a, b] = await Promise.all([openDb({ url }), openDb({ url })]);
    await Promise.all([a.close(), b.close()]);
    const { rows } = await db.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  controlStoreContract(() => db, { tasks: 60, replayShuffles: 40, propertyRuns: 100, propertyTimeoutMs: 60_000 });

  it('many writers on separate connections replay one run concurrently and still agree with the DHT', async () => {
    const writers = await Promise.all([1, 2, 3].map(() => openDb({ url, poolSize: 4 })));
    try {
      await db.query('DELETE FROM demand_jobs');
      const events = Array.from({ length: 20 }, (_, i) => lifecycle(200 + i)).flat();
      await Promise.all(writers.map(async (w, k) => {
        const store = new ControlStore(w);
        await Promise.all(shuffled(events, k + 1).map(async (e) => await store.applyState(e.state, e.sigHash, e.observedAt)));
      }));
      const store = new ControlStore(db);
      for (const [id, o] of selectedStates(events)) {
        const row = await store.job(id);
        expect([row?.leaseToken, row?.status, row?.seq, row?.sigHash]).toEqual([o.state.epoch, o.state.status, o.state.seq, o.sigHash]);
      }
    } finally {
      await Promise.all(writers.map(async (w) => await w.close()));
    }
  });

  it('a wrong password is refused with a clear error that does not contain it', async () => {
    const { name, password } = cluster.passwordUser;
    const at = `${cluster.host}:${cluster.port}`;
    const err = await openDb({ url: `postgres://${name}:not-the-password@${at}/postgres` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseConnectError);
    expect((err as Error).message).toBe(`database: password authentication failed for user ${name}`);
    expect((err as Error).message).not.toContain('not-the-password');
    const missing = await openDb({ url: `postgres://${name}@${at}/postgres` }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/asks for a password for user mc_reporter/);
    // The right password gets in, and the schema is created in the role's own database.
    const ok = await openDb({ url: `postgres://${name}:${password}@${at}/${name}` });
    expect(ok.kind).toBe('pg');
    await ok.close();
  });

  it('an unreachable port gives a clear error', async () => {
    await expect(openDb({ url: `postgres://postgres@127.0.0.1:1/postgres` }))
      .rejects.toThrow('database: cannot connect to 127.0.0.1:1 (ECONNREFUSED)');
  });
});
