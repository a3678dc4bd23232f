import { defineConfig } from 'vitest/config';

// Three projects:
//  - unit:        src/**/*.test.ts(x), fast, run in parallel (default workers).
//  - integration: test/integration/**, spin up many libp2p peers and Docker containers on a
//                 2-core machine, so files run one at a time (fileParallelism: false → 1 worker;
//                 sequence.groupOrder 1: after the parallel unit group, order 0).
//  - e2e:         e2e/**/*.spec.ts, real peers + Docker + headless Chromium (playwright-core) on
//                 the web-mode UI; one file at a time too, after integration (groupOrder 2).
// Explicit group orders: without them vitest puts every serial file into one trailing group,
// which would interleave e2e and integration files.
// `npm test` runs scripts/test-setup.mjs first (Docker engine + local test image, Chromium, the
// UI bundle); it writes .test-tmp/setup.json, read by test/helpers/docker.ts and e2e/helpers.
export default defineConfig({
  test: {
    // default reporter: per-file results and the closing "Test Files / Tests  N passed | M failed" summary
    reporters: ['default'],
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
          environment: 'node',
          testTimeout: 10_000,
          hookTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.spec.ts'],
          environment: 'node',
          // A browser, two peers and containers per file: slow on 2 cores, never stuck for long.
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          // A browser next to an integration file's peers would make both flaky.
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
