// Helpers for tests that need the Docker engine. scripts/test-setup.mjs (run by `npm test`)
// prepares the engine and the local image and records the outcome in .test-tmp/setup.json.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TaskSpec } from '../../src/shared/index.js';

/** Local image built by scripts/test-setup.mjs with `docker import` (static busybox, no registry). */
export const TEST_IMAGE = 'mcloud-test/busybox:latest';

export const SETUP_FILE = fileURLToPath(new URL('../../.test-tmp/setup.json', import.meta.url));

export interface SetupInfo {
  docker: boolean;
  image: string;
  dockerHost: string;
}

/** Contents of .test-tmp/setup.json, or null when the set-up script has not run (or failed). */
export function readSetup(): SetupInfo | null {
  try {
    return JSON.parse(readFileSync(SETUP_FILE, 'utf8')) as SetupInfo;
  } catch {
    return null;
  }
}

/** True when the set-up script reported a working Docker engine and test image. */
export function dockerAvailable(): boolean {
  return readSetup()?.docker === true;
}

export interface DockerResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the docker CLI synchronously (DOCKER_HOST is inherited). */
export function docker(args: string[], timeoutMs = 60_000): DockerResult {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** Runs a docker listing (`ps -aq`, `volume ls -q`) with one `--filter` per filter: its result and the ids it printed. */
export function listIds(list: string[], filters: string[]): DockerResult & { ids: string[] } {
  const r = docker([...list, ...filters.flatMap((f) => ['--filter', f])]);
  return { ...r, ids: r.stdout.trim().split('\n').filter(Boolean) };
}

/** Ids of the containers, running or not, matching every filter (`docker ps -aq --filter …`); [] when docker fails. */
export function containerIds(...filters: string[]): string[] {
  return listIds(['ps', '-aq'], filters).ids;
}

/** Names of the volumes matching every filter (`docker volume ls -q --filter …`); [] when docker fails. */
export function volumeIds(...filters: string[]): string[] {
  return listIds(['volume', 'ls', '-q'], filters).ids;
}

/** The host's address on Docker's default bridge: where a container with a network reaches the host. */
export function bridgeGateway(): string {
  const configured = docker(['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}']).stdout.trim();
  if (configured !== '') return configured;
  // Some engines leave IPAM's Gateway empty: ask a container on the bridge for its default route.
  const route = docker(['run', '--rm', '--network', 'bridge', TEST_IMAGE, 'ip', 'route']).stdout;
  return /^default via (\S+)/m.exec(route)?.[1] ?? '';
}

/** A spec for the executor alone (no peer signs it): the test image, small limits, `over` on top. */
export function taskSpec(command: string[], over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    v: 1, submitter: '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij', submitterName: 'test', image: TEST_IMAGE,
    command, cpu: 1, memoryMb: 128, timeoutSec: 20, env: {}, maxAttempts: 1, retryOnFailure: false, network: false, createdAt: 1, nonce: 'nonce-123',
    ...over,
  } as TaskSpec;
}
