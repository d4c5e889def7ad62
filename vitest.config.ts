import { defineConfig } from 'vitest/config';

// Three layers, each its own project: `npm test` runs them all, `vitest --project unit` one of them.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Handlers log through Powertools; the tests assert on responses, not on log lines.
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
          // Memory tests collect garbage before each sample, so they measure what is held, not what awaits GC.
          execArgv: ['--expose-gc'],
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          // Synthesizing bundles every function with esbuild: a minute on 2 cores, more on a busy machine.
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
