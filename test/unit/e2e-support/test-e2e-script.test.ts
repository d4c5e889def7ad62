import { describe, expect, it } from 'vitest';
import { e2eRun, UsageError } from '../../../scripts/test-e2e.ts';

describe('npm run test:e2e -- --target', () => {
  it('runs the e2e project on the local cloud by default, with no outputs file', () => {
    expect(e2eRun([], {})).toEqual({
      target: 'local',
      vitestArgs: ['run', '--project', 'e2e'],
      env: { E2E_TARGET: 'local' },
    });
  });

  it('reads a LocalStack or AWS deployment from outputs.<target>.json', () => {
    expect(e2eRun(['--target', 'localstack'], {}).env).toEqual({
      E2E_TARGET: 'localstack',
      E2E_OUTPUTS_FILE: 'outputs.localstack.json',
    });
    expect(e2eRun(['--target=aws'], {}).env).toEqual({
      E2E_TARGET: 'aws',
      E2E_OUTPUTS_FILE: 'outputs.aws.json',
    });
  });

  it('passes every other argument to vitest, in order', () => {
    const run = e2eRun(
      ['test/e2e/pub-sub.test.ts', '--target', 'aws', '-t', 'dead-letters', '--reporter=verbose'],
      {},
    );
    expect(run.vitestArgs).toEqual([
      'run',
      '--project',
      'e2e',
      'test/e2e/pub-sub.test.ts',
      '-t',
      'dead-letters',
      '--reporter=verbose',
    ]);
  });

  it('takes the outputs file from --outputs-file, then E2E_OUTPUTS_FILE', () => {
    expect(
      e2eRun(['--target', 'aws', '--outputs-file', 'eu.json'], { E2E_OUTPUTS_FILE: 'env.json' }).env,
    ).toEqual({
      E2E_TARGET: 'aws',
      E2E_OUTPUTS_FILE: 'eu.json',
    });
    expect(e2eRun(['--target', 'aws'], { E2E_OUTPUTS_FILE: 'env.json' }).env.E2E_OUTPUTS_FILE).toBe(
      'env.json',
    );
  });

  it('falls back to E2E_TARGET, and the flag wins over it', () => {
    expect(e2eRun([], { E2E_TARGET: 'localstack' }).target).toBe('localstack');
    expect(e2eRun(['--target', 'local'], { E2E_TARGET: 'aws' }).target).toBe('local');
  });

  it.each([
    [['--target', 'staging'], 'unknown target "staging": use --target local|localstack|aws'],
    [['--target'], '--target needs a value'],
    [['--target', '-t', 'x'], '--target needs a value'],
    [['--target='], '--target needs a value'],
    [['--target', 'aws', '--target', 'local'], '--target given twice (aws, local)'],
    [
      ['--outputs-file', 'x.json'],
      '--outputs-file is for a deployed stack; --target local boots its own local cloud',
    ],
  ])('refuses %j with a usage error: %s', (argv, message) => {
    expect(() => e2eRun(argv, {})).toThrow(new UsageError(message));
  });

  it('refuses an unknown E2E_TARGET as it refuses the flag', () => {
    expect(() => e2eRun([], { E2E_TARGET: 'prod' })).toThrow(UsageError);
  });

  it('refuses to test AWS while an AWS_ENDPOINT_URL would send the SDK elsewhere', () => {
    expect(() =>
      e2eRun(['--target', 'aws'], { AWS_ENDPOINT_URL: 'http://localhost.localstack.cloud:4566' }),
    ).toThrow('AWS_ENDPOINT_URL set: unset it to test the stack deployed on AWS');
    expect(e2eRun(['--target', 'aws'], { AWS_ENDPOINT_URL: '' }).target).toBe('aws');
  });
});
