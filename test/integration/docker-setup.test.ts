import { describe, expect, it } from 'vitest';
import { docker, dockerAvailable, readSetup, SETUP_FILE, TEST_IMAGE } from '../helpers/docker.js';

describe('docker test set-up', () => {
  it('scripts/test-setup.mjs reported a ready engine', () => {
    expect(dockerAvailable(), `${SETUP_FILE} missing or docker:false — run through \`npm test\``).toBe(true);
    expect(readSetup()?.image).toBe(TEST_IMAGE);
  });

  it('the local test image exists', () => {
    const r = docker(['image', 'inspect', '--format', '{{json .Config.Cmd}}', TEST_IMAGE]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['/bin/sh']);
  });

  it('runs a container without network', () => {
    const r = docker(['run', '--rm', '--network', 'none', TEST_IMAGE, 'sh', '-c', 'echo hello']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('hello');
  });

  it('runs sandboxed as nobody with a read-only root and tmpfs /tmp', () => {
    const r = docker([
      'run', '--rm', '--network', 'none', '--user', '65534:65534', '--read-only', '--tmpfs', '/tmp',
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', TEST_IMAGE,
      'sh', '-c', 'id -u; echo data > /tmp/f && sha256sum /tmp/f | cut -c1-8; touch /x 2>/dev/null || echo ro',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['65534', '6667b2d1', 'ro']);
  });
});
