import { defineConfig } from 'vitest/config';

// The local cloud's own tests: each module against real emulators, servers and worker threads, on fixtures in
// test/fixtures (a small cloud assembly, Lambda handlers of every module shape).
export default defineConfig({
  test: {
    name: 'local-cloud',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Fixture stacks are synthesized without the CDK's CloudFormation Validate engine (about 2 s to start in each
    // file that synthesizes); what is tested is how the local cloud runs a template.
    env: { CDK_VALIDATION: 'false' },
    // Safety nets for a hung test, not tuned figures: each waits on readiness (a port answering, a record visible), and
    // starting DynamoDB Local or a worker thread can take tens of seconds on a saturated 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Memory tests collect garbage before each sample, so they measure what is held, not what awaits GC.
    execArgv: ['--expose-gc'],
  },
});
