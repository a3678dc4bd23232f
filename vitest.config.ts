import { defineConfig } from 'vitest/config';

// Two projects:
//  - unit:        src/**/*.test.ts(x), fast, run in parallel (default workers).
//  - integration: test/integration/**, spin up many libp2p peers and Docker containers on a
//                 2-core machine, so files run one at a time (fileParallelism: false → 1 worker;
//                 vitest runs this group after the parallel unit group).
// `npm test` runs scripts/test-setup.mjs first (Docker engine + local test image); it writes
// .test-tmp/setup.json, read by test/helpers/docker.ts.
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
        },
      },
    ],
  },
});
