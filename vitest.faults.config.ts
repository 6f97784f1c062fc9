import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real server processes with Redis and PostgreSQL that
 * the tests stop, kill and restart (their own, on free loopback ports). One file at a time: each
 * starts several processes, and the machine is shared.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
