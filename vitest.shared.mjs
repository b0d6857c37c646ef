// Shared vitest settings for every package: where tests live and where results are written,
// so scripts/test.mjs can total passed/failed/skipped over all suites.
import { defineConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig['test']} [test] */
export function defineWeftConfig(test = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
