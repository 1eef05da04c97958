import { defineConfig } from 'vitest/config';

// The end-to-end tests (npm run e2e): Node, not jsdom; one file at a time, its tests in order, with
// time for the Go build and the browser.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    reporters: ['verbose'],
  },
});
