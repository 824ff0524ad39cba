import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Builds dist/ once, for the tests that spawn bin/mtlc.js.
    globalSetup: ['test/global-setup.ts'],
  },
});
