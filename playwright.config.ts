import { defineConfig } from '@playwright/test';

// End-to-end tests against real headless Chromium. One test at a time: each one runs a
// coordinator and several tabs, which already fills a 2-core machine.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  workers: 1,
  retries: 0,
  timeout: 600_000,
  reporter: [['list']],
  outputDir: 'test-results',
});
