import { defineConfig } from 'vitest/config';

// The fault-injection phase of `make test`: it SIGKILLs brokers, MariaDB and services, so it
// runs after the main suite (vitest.config.ts excludes it), one file at a time.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
