import { defineConfig } from 'vitest/config';

// The browser measurements (npm run measure): like the end-to-end tests, against the real binary in
// Chromium, but they print figures for docs/benchmarks.md instead of asserting them, and are not part of
// make test.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.measure.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    reporters: ['verbose'],
  },
});
