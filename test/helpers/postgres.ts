// A throwaway PostgreSQL cluster for integration tests: initdb + pg_ctl in a temp dir on a free
// port, run as the `postgres` user (the server refuses to run as root). scripts/test-setup.mjs
// records the server's bin dir in .test-tmp/setup.json (postgresBin); without it we look for
// /usr/lib/postgresql/<version>/bin ourselves.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { readSetup } from './docker.js';

export interface PgCluster {
  /** Superuser URL (trusted on 127.0.0.1, no password). */
  url: string;
  /** A login role that needs its password over TCP (scram-sha-256); owns a database of its name. */
  passwordUser: { name: string; password: string };
  host: string;
  port: number;
  dir: string;
  /** An outage: the server dies at once (immediate shutdown), its data stays for resume(). */
  halt(): void;
  /** Starts the halted server again on the same port and data. */
  resume(): void;
  stop(): Promise<void>;
}

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** Directory holding initdb and pg_ctl, or null when PostgreSQL server binaries are not installed. */
export function postgresBinDir(): string | null {
  const fromSetup = (readSetup() as { postgresBin?: string | null } | null)?.postgresBin;
  if (fromSetup && fs.existsSync(path.join(fromSetup, 'initdb'))) return fromSetup;
  let versions: string[];
  try {
    versions = fs.readdirSync(DEBIAN_PG_ROOT);
  } catch {
    return null;
  }
  // Newest major first.
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(DEBIAN_PG_ROOT, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function postgresSkipReason(): string | null {
  if (postgresBinDir() === null) {
    return `PostgreSQL server binaries not found (${DEBIAN_PG_ROOT}/*/bin/initdb); install them (Debian: apt-get install -y postgresql)`;
  }
  const isRoot = process.getuid?.() === 0;
  if (isRoot && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root and there is no `postgres` user to run the server as';
  }
  return null;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Runs a server binary as `postgres` when we are root, else as ourselves. Throws with its output. */
function runPg(bin: string, args: string[], cwd: string): void {
  const isRoot = process.getuid?.() === 0;
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  // cwd: the postgres user must be able to enter it (it cannot enter /root or the repo, sometimes).
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(bin)} ${args[0] ?? ''} failed (${r.status ?? r.error?.message}): ${(r.stderr || r.stdout).trim()}`);
  }
}

/**
 * Starts a fresh cluster. Durability is switched off (fsync, synchronous_commit, full_page_writes):
 * the cluster lives for one test file, and these make it start and write several times faster.
 */
export async function startPostgres(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(postgresSkipReason() ?? 'PostgreSQL not found');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcloud-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const host = '127.0.0.1';
  let started = false;
  const pgCtl = path.join(bin, 'pg_ctl');
  const startServer = (): void => {
    const opts = `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    runPg(pgCtl, ['-D', data, '-o', opts, '-l', path.join(dir, 'server.log'), '-w', 'start'], dir);
    started = true;
  };
  const halt = (): void => {
    runPg(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w'], dir);
    started = false;
  };
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      try {
        runPg(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w'], dir);
      } catch (err) {
        console.warn(`[postgres] stop failed: ${(err as Error).message}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    runPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], dir);
    // The superuser is trusted; every other role must log in with its password, so a wrong one is refused.
    fs.writeFileSync(
      path.join(data, 'pg_hba.conf'),
      ['local all all trust', `host all postgres ${host}/32 trust`, `host all all ${host}/32 scram-sha-256`, ''].join('\n'),
    );
    startServer();
    const url = `postgres://postgres@${host}:${port}/postgres`;
    const passwordUser = { name: 'mc_reporter', password: 'right-horse-battery' };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE ROLE ${passwordUser.name} LOGIN PASSWORD '${passwordUser.password}'`);
      // Its own database: PG 15 no longer lets every role create tables in public.
      await client.query(`CREATE DATABASE ${passwordUser.name} OWNER ${passwordUser.name}`);
    } finally {
      await client.end();
    }
    return { url, passwordUser, host, port, dir, halt, resume: startServer, stop };
  } catch (err) {
    let log = '';
    try {
      log = fs.readFileSync(path.join(dir, 'server.log'), 'utf8');
    } catch {
      // no server log yet
    }
    await stop();
    throw new Error(`${(err as Error).message}${log ? `\n--- server.log ---\n${log.trim()}` : ''}`, { cause: err });
  }
}

/** A fresh database in the cluster, so each suite starts from an empty schema. */
export async function createDatabase(cluster: PgCluster, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return `postgres://postgres@${cluster.host}:${cluster.port}/${name}`;
}
