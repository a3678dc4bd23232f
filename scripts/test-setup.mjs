#!/usr/bin/env node
// Idempotent preparation for `npm test`. Plain ESM, no dependencies; runs under Node 20 and 22
// (it only *checks* for 22, so the failure message is readable when started with the wrong node).
//
// Steps (each one is skipped when already done):
//   1. Node major >= 22 (npm scripts use the `node@22` devDependency).
//   2. A Docker engine answering `docker info` (DOCKER_HOST respected). On Debian as root it is
//      installed (`docker.io busybox-static`) and `dockerd` is started in the background.
//   3. The local test image `mcloud-test/busybox:latest`, built with `docker import` from a tiny
//      rootfs holding a static busybox (no registry is reachable on the test machines).
//   4. Chromium for the web-mode e2e specs (on Debian as root: `apt-get install -y chromium`), and
//      the UI bundle in dist/ui (`npm run build:ui`, always: it is fast and never stale).
//   5. PostgreSQL server binaries for the control peer's tests (`ensurePostgres`: check, or on
//      Debian as root `apt-get install -y postgresql`); their bin dir goes into setup.json.
//   6. `.test-tmp/setup.json` telling the test process (vitest) what is available.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TMP_DIR = path.join(ROOT, '.test-tmp');
const SETUP_FILE = path.join(TMP_DIR, 'setup.json');

export const TEST_IMAGE = 'mcloud-test/busybox:latest';
/** Bump when the image recipe changes: an existing image with another version is rebuilt. */
const TEST_IMAGE_VERSION = '1';
const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const DOCKERD_LOG = path.join(os.tmpdir(), 'mcloud-dockerd.log');
const DOCKERD_WAIT_MS = 60_000;

const t0 = Date.now();
const log = (msg) => console.log(`[setup] ${msg}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

class SetupError extends Error {}
const fail = (msg) => {
  throw new SetupError(msg);
};

/** spawnSync with captured output; never throws (ENOENT → status null + error). */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return {
    ok: r.status === 0 && !r.error,
    status: r.status,
    error: r.error,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
  };
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function tail(text, lines = 30) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------------------------------------
// 1. Node
// ---------------------------------------------------------------------------------------------

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    fail(
      `Node ${process.versions.node} found, Node >= 22 is required: ` +
        'run through npm (npm test) so the node@22 devDependency is used',
    );
  }
  log(`node ${process.versions.node}`);
}

// ---------------------------------------------------------------------------------------------
// 2. Docker engine
// ---------------------------------------------------------------------------------------------

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = () => process.platform === 'linux' && which('apt-get') !== null && which('dpkg') !== null;

const INSTALL_HINT =
  'install docker (Debian: apt-get install -y docker.io busybox-static) and start dockerd, then re-run npm test';

function dockerInfo() {
  const r = run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
  return r.ok ? { ok: true, version: r.stdout.trim() } : { ok: false, reason: (r.error?.message ?? r.stderr).trim() };
}

/** The ELF has no PT_INTERP program header, i.e. it runs without a dynamic loader/libc. */
function isStaticElf(file) {
  try {
    const buf = fs.readFileSync(file);
    if (buf.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = buf[4] === 2;
    const le = buf[5] === 1;
    const u16 = (o) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const phoff = is64 ? Number(le ? buf.readBigUInt64LE(0x20) : buf.readBigUInt64BE(0x20)) : u32(0x1c);
    const phentsize = u16(is64 ? 0x36 : 0x2a);
    const phnum = u16(is64 ? 0x38 : 0x2c);
    for (let i = 0; i < phnum; i++) {
      if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** A statically linked busybox usable as the whole userland of the test image. */
function findStaticBusybox() {
  const candidates = [process.env.MCLOUD_TEST_BUSYBOX, '/bin/busybox', '/usr/bin/busybox', which('busybox')];
  for (const c of candidates) {
    if (c && fs.existsSync(c) && isStaticElf(fs.realpathSync(c))) return fs.realpathSync(c);
  }
  return null;
}

function aptListsPresent() {
  try {
    return fs.readdirSync('/var/lib/apt/lists').some((f) => f.includes('_Packages'));
  } catch {
    return false;
  }
}

function aptGet(args) {
  const r = run('apt-get', args, {
    timeout: 15 * 60_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ...r, output: r.stdout + r.stderr };
}

function aptInstall(packages, { recommends = false } = {}) {
  const t = Date.now();
  const install = () =>
    aptGet(['install', '-y', '-q', ...(recommends ? [] : ['--no-install-recommends']), ...packages]);
  const update = () => {
    const tu = Date.now();
    log('apt-get update …');
    // Some configured sources may be unreachable (only the Debian mirrors are): a partial
    // failure is not fatal, the install below decides.
    const u = aptGet(['update', '-q']);
    log(`apt-get update ${u.ok ? 'done' : 'finished with errors (ignored)'} in ${secs(Date.now() - tu)}`);
  };
  if (!aptListsPresent()) update();
  log(`apt-get install ${packages.join(' ')} …`);
  let r = install();
  if (!r.ok && aptListsPresent()) {
    // Stale or incomplete package lists ("Unable to locate package", 404 on fetch): refresh once.
    update();
    r = install();
  }
  if (!r.ok) {
    console.error(tail(r.output, 40));
    fail(`apt-get install ${packages.join(' ')} failed (exit ${r.status ?? r.error?.message})`);
  }
  log(`apt-get install done in ${secs(Date.now() - t)}`);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** pid of a dockerd that is already running (maybe still starting), from its pid file. */
function runningDockerdPid() {
  try {
    const pid = Number(fs.readFileSync('/var/run/docker.pid', 'utf8').trim());
    if (pid > 0 && pidAlive(pid)) {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm === 'dockerd') return pid;
    }
  } catch {
    // no pid file / no /proc
  }
  return null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForDocker(ms, isDead = () => false) {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = dockerInfo();
    if (info.ok) return info;
    if (isDead()) return { ok: false, dead: true, reason: info.reason };
    if (Date.now() > deadline) return { ok: false, reason: info.reason };
    await sleep(500);
  }
}

function startDockerd() {
  fs.writeFileSync(DOCKERD_LOG, `--- dockerd started by scripts/test-setup.mjs at ${new Date().toISOString()}\n`);
  const fd = fs.openSync(DOCKERD_LOG, 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.on('error', (err) => {
    exited = { code: null, signal: null, err };
  });
  child.unref();
  return { pid: child.pid, exited: () => exited };
}

async function ensureDocker() {
  let info = dockerInfo();
  if (info.ok) {
    log(`docker engine ${info.version} is running`);
    return;
  }

  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost && dockerHost !== DEFAULT_DOCKER_HOST) {
    fail(`Docker engine at DOCKER_HOST=${dockerHost} is not reachable (${info.reason}); start it or unset DOCKER_HOST`);
  }

  const missing = [];
  if (!which('dockerd') || !which('docker') || !which('runc') || !which('containerd')) missing.push('docker.io');
  if (!findStaticBusybox()) missing.push('busybox-static');

  if (!isRoot() || !isDebian()) {
    if (missing.length) fail(`Docker engine not running (missing: ${missing.join(', ')}): ${INSTALL_HINT}`);
    fail(
      `Docker engine not reachable (${info.reason}): start it (sudo systemctl start docker, or sudo dockerd &) ` +
        'and make sure this user may use it (docker group, or DOCKER_HOST), then re-run npm test',
    );
  }

  if (missing.length) {
    aptInstall(missing);
    // On a systemd host the package's postinst starts docker.service itself.
    info = dockerInfo();
    if (info.ok) {
      log(`docker engine ${info.version} is running (started by the package)`);
      return;
    }
  }

  const existing = runningDockerdPid();
  const t = Date.now();
  let dead;
  if (existing) {
    log(`dockerd (pid ${existing}) is running but not answering yet; waiting …`);
    dead = () => !pidAlive(existing);
  } else {
    log(`starting dockerd in the background (log: ${DOCKERD_LOG}) …`);
    const d = startDockerd();
    dead = () => d.exited() !== null;
  }
  info = await waitForDocker(DOCKERD_WAIT_MS, dead);
  if (!info.ok) {
    let logText = '';
    try {
      logText = fs.readFileSync(DOCKERD_LOG, 'utf8');
    } catch {
      // no log
    }
    console.error(`[setup] ---- last lines of ${DOCKERD_LOG} ----\n${tail(logText, 40)}\n[setup] ----`);
    fail(
      `dockerd ${info.dead ? 'exited' : `did not answer within ${secs(DOCKERD_WAIT_MS)}`} ` +
        `(${info.reason}). Docker needs a privileged host or VM (in a container: --privileged); ` +
        `see the log above, fix it and re-run npm test`,
    );
  }
  log(`docker engine ${info.version} ready in ${secs(Date.now() - t)}`);
}

// ---------------------------------------------------------------------------------------------
// 3. Test image
// ---------------------------------------------------------------------------------------------

function imageVersion(image) {
  const r = run('docker', ['image', 'inspect', '--format', '{{json .Config.Env}}', image], { timeout: 20_000 });
  if (!r.ok) return null;
  try {
    const env = JSON.parse(r.stdout.trim()) ?? [];
    const kv = env.find((e) => e.startsWith('MCLOUD_TEST_IMAGE_VERSION='));
    return kv ? kv.split('=')[1] : '';
  } catch {
    return '';
  }
}

function writeRootfs(dir, busybox) {
  const mk = (p, mode = 0o755) => {
    fs.mkdirSync(path.join(dir, p), { recursive: true });
    fs.chmodSync(path.join(dir, p), mode);
  };
  for (const d of ['bin', 'usr', 'etc', 'root', 'home', 'proc', 'sys', 'dev', 'var', 'run', 'input', 'output']) mk(d);
  mk('root', 0o700);
  mk('tmp', 0o1777);
  mk('var/tmp', 0o1777);
  // merged-/usr layout: every applet lives in /bin, the other PATH dirs point there
  fs.symlinkSync('bin', path.join(dir, 'sbin'));
  fs.symlinkSync('../bin', path.join(dir, 'usr/bin'));
  fs.symlinkSync('../bin', path.join(dir, 'usr/sbin'));

  fs.copyFileSync(busybox, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  const list = run(busybox, ['--list']);
  if (!list.ok) fail(`${busybox} --list failed: ${list.stderr || list.error?.message}`);
  const applets = list.stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox' && !s.includes('/'));
  for (const a of applets) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  for (const need of ['sh', 'sleep', 'echo', 'cat', 'sha256sum', 'id']) {
    if (!applets.includes(need)) fail(`${busybox} has no '${need}' applet`);
  }

  const w = (p, text, mode = 0o644) => {
    fs.writeFileSync(path.join(dir, p), text);
    fs.chmodSync(path.join(dir, p), mode);
  };
  w('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
  w('etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  w('etc/hostname', 'mcloud-test\n');
  return applets.length;
}

function ensureTestImage() {
  const have = imageVersion(TEST_IMAGE);
  if (have === TEST_IMAGE_VERSION) {
    log(`test image ${TEST_IMAGE} present`);
    return;
  }
  if (have !== null) log(`test image ${TEST_IMAGE} is version '${have}', rebuilding as ${TEST_IMAGE_VERSION}`);

  let busybox = findStaticBusybox();
  if (!busybox) {
    if (isRoot() && isDebian()) {
      aptInstall(['busybox-static']);
      busybox = findStaticBusybox();
    }
    if (!busybox) {
      fail('a statically linked busybox is needed for the test image: install busybox-static (Debian: apt-get install -y busybox-static) or set MCLOUD_TEST_BUSYBOX=/path/to/static/busybox');
    }
  }
  if (!which('tar')) fail('tar is needed to build the test image');

  const t = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcloud-test-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    fs.mkdirSync(rootfs);
    const n = writeRootfs(rootfs, busybox);
    const tarFile = path.join(work, 'rootfs.tar');
    const tr = run('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-cf', tarFile, '.']);
    if (!tr.ok) fail(`tar failed: ${tr.stderr || tr.error?.message}`);
    const imp = run(
      'docker',
      [
        'import',
        '--change', 'CMD ["/bin/sh"]',
        '--change', `ENV MCLOUD_TEST_IMAGE_VERSION=${TEST_IMAGE_VERSION}`,
        '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--message', `mcloud test image (static busybox, ${n} applets)`,
        tarFile,
        TEST_IMAGE,
      ],
      { timeout: 120_000 },
    );
    if (!imp.ok) fail(`docker import failed: ${(imp.stderr || imp.error?.message || '').trim()}`);
    log(`test image ${TEST_IMAGE} built (busybox ${busybox}, ${n} applets) in ${secs(Date.now() - t)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }

  const smoke = run('docker', ['run', '--rm', '--network', 'none', TEST_IMAGE, 'sh', '-c', 'echo ok'], {
    timeout: 60_000,
  });
  if (!smoke.ok || smoke.stdout.trim() !== 'ok') {
    fail(`smoke run of ${TEST_IMAGE} failed: ${(smoke.stderr || smoke.stdout || smoke.error?.message || '').trim()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Chromium and the UI bundle; hooks for later set-up steps
// ---------------------------------------------------------------------------------------------

const CHROMIUM_HINT =
  'install Chromium (Debian: apt-get install -y chromium) or set MCLOUD_CHROMIUM=/path/to/chromium, then re-run npm test';

function findChromium() {
  const fromEnv = process.env.MCLOUD_CHROMIUM;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : fail(`MCLOUD_CHROMIUM=${fromEnv} does not exist`);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const p = which(name);
    if (p) return p;
  }
  return null;
}

/**
 * Chromium for the web-mode e2e specs (playwright-core drives it, it downloads no browser).
 * Returns the executable path, recorded in setup.json for e2e/helpers.
 */
export async function ensureChromium() {
  let exe = findChromium();
  if (!exe) {
    if (!isRoot() || !isDebian()) fail(`Chromium not found: ${CHROMIUM_HINT}`);
    // With recommends: they bring the fonts the screenshots are rendered with.
    aptInstall(['chromium'], { recommends: true });
    exe = findChromium() ?? fail(`apt-get installed chromium but it is not on PATH: ${CHROMIUM_HINT}`);
  }
  const v = run(exe, ['--version'], { timeout: 30_000 });
  if (!v.ok) fail(`${exe} --version failed: ${(v.stderr || v.error?.message || '').trim()}; ${CHROMIUM_HINT}`);
  log(`${v.stdout.trim()} (${exe})`);
  return exe;
}

/**
 * The renderer bundle the peer serves in web mode (dist/ui). Always rebuilt: esbuild takes about
 * a second, and a stale bundle would test yesterday's UI.
 */
function buildUi() {
  const t = Date.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  if (!pkg.scripts?.['build:ui']) fail('package.json has no "build:ui" script (the UI bundle, see docs/ui-contract.md)');
  const r = run('npm', ['run', 'build:ui'], { cwd: ROOT, timeout: 5 * 60_000 });
  if (!r.ok) {
    console.error(tail(r.stdout + r.stderr, 40));
    fail(`npm run build:ui failed (exit ${r.status ?? r.error?.message})`);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist/ui/index.html'))) fail('npm run build:ui wrote no dist/ui/index.html');
  log(`UI built into dist/ui in ${secs(Date.now() - t)}`);
}

const PG_ROOT = '/usr/lib/postgresql';

/** bin dir of the newest PostgreSQL server install (Debian layout), or null. */
function findPostgresBin() {
  let versions;
  try {
    versions = fs.readdirSync(PG_ROOT);
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(PG_ROOT, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/**
 * PostgreSQL server binaries for the control peer's reporter tests. Only checks (and on Debian as
 * root installs `postgresql`, which pulls the distribution's server version): the tests start
 * their own cluster as the `postgres` user on a free port (test/helpers/postgres.ts). Missing
 * binaries are not fatal: those tests skip and say why. Returns the bin dir or null.
 */
export async function ensurePostgres() {
  let bin = findPostgresBin();
  if (!bin && isRoot() && isDebian()) {
    aptInstall(['postgresql']);
    bin = findPostgresBin();
  }
  if (!bin) {
    log(`PostgreSQL server not found (${PG_ROOT}/*/bin/initdb): the real-PostgreSQL tests will be skipped (Debian: apt-get install -y postgresql)`);
    return null;
  }
  const v = run(path.join(bin, 'initdb'), ['--version']);
  log(`${v.ok ? v.stdout.trim() : 'initdb'} (${bin})`);
  return bin;
}

// ---------------------------------------------------------------------------------------------

function writeSetupFile(data) {
  fs.mkdirSync(TMP_DIR, { recursive: true });
  fs.writeFileSync(SETUP_FILE, JSON.stringify(data, null, 2) + '\n');
}

async function main() {
  // A stale "docker: true" must never survive a failed run.
  fs.rmSync(SETUP_FILE, { force: true });
  checkNode();
  await ensureDocker();
  ensureTestImage();
  const chromium = await ensureChromium();
  buildUi();
  const postgresBin = await ensurePostgres();
  writeSetupFile({
    docker: true,
    image: TEST_IMAGE,
    dockerHost: process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST,
    chromium,
    postgresBin,
    writtenAt: new Date().toISOString(),
  });
  log(`ready in ${secs(Date.now() - t0)} (${path.relative(ROOT, SETUP_FILE)})`);
}

try {
  await main();
} catch (err) {
  if (err instanceof SetupError) {
    console.error(`[setup] FAILED: ${err.message}`);
  } else {
    console.error('[setup] FAILED with an unexpected error:', err);
  }
  process.exit(1);
}
