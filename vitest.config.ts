import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/**/*.test.ts', 'services/**/*.test.ts', 'test/**/*.test.ts'],
    // Fault injection crashes infrastructure: its own phase (vitest.chaos.config.ts).
    exclude: ['**/node_modules/**', 'test/chaos/**'],
    globalSetup: ['test/global-setup.ts'],
    // Integration tests talk to real Kafka/MariaDB; each isolates its own topics and databases,
    // so files run in parallel, but the 2-core machine sets the useful width.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
