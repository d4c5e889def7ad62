import { defineConfig } from 'vitest/config';

// Three layers of the app, each its own project, and the local cloud's own tests (packages/local-cloud, its config
// there): `npm test` runs them all, `vitest --project unit` one of them.
// `npm test` runs unit and infra files two at a time (`--maxWorkers=2`; vitest's default on 2 cores is one): most of
// them wait on emulators and child processes, not on the CPU. The e2e files run one at a time: they share one local
// cloud and one API key, whose usage plan throttles the requests of all of them together.
export default defineConfig({
  test: {
    projects: [
      'packages/local-cloud',
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Handlers log through Powertools; the tests assert on responses, not on log lines. Fixture stacks are
          // synthesized without the CDK's CloudFormation Validate engine (about 2 s to start in each file that
          // synthesizes); test/infra/cloudformation-validate.test.ts runs it on the app's own templates.
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT', CDK_VALIDATION: 'false' },
          // Memory tests collect garbage before each sample, so they measure what is held, not what awaits GC.
          execArgv: ['--expose-gc'],
          // A safety net for a hung test on a saturated machine, not a tuned figure.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          // The app is synthesized once for the whole run; tests read its template.
          globalSetup: ['test/infra/global-setup.ts'],
          // As in the unit project: CloudFormation Validate runs once, in cloudformation-validate.test.ts.
          env: { CDK_VALIDATION: 'false' },
          // Some tests synthesize variants of the app (without bundling); a busy machine makes that slower.
          testTimeout: 120_000,
          hookTimeout: 120_000,
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
