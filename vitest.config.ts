import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'common/**/*.test.ts', 'web/**/*.test.ts'],
    // The fault suite stops and restarts servers: it runs on its own (npm run test:faults).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // Database tests share a PostgreSQL server and the machine has two cores.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
