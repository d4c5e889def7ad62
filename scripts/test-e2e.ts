import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import path from 'node:path';
import type { TargetName } from '../test/e2e/target.ts';

const TARGETS: readonly TargetName[] = ['local', 'localstack', 'aws'];

/** An argument `npm run test:e2e` cannot run with; the script exits 2, as command-line tools do for misuse. */
export class UsageError extends Error {}

/** What `npm run test:e2e -- ...` runs: vitest's arguments and the variables it adds to the environment. */
export interface E2eRun {
  readonly target: TargetName;
  /** Arguments after `vitest`: `run --project e2e` and whatever else was given, in order. */
  readonly vitestArgs: readonly string[];
  /** Added to the inherited environment: `E2E_TARGET`, and `E2E_OUTPUTS_FILE` for deployed targets. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Builds the e2e run from `--target local|localstack|aws` (or `E2E_TARGET`, default `local`) and
 * `--outputs-file <file>` (or `E2E_OUTPUTS_FILE`, default `outputs.<target>.json`); every other argument goes
 * to vitest (`-t`, a file filter, `--reporter`).
 */
export function e2eRun(argv: readonly string[], environment: NodeJS.ProcessEnv): E2eRun {
  let target: string | undefined;
  let outputsFile: string | undefined;
  const passed: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const [flag, inline] = splitFlag(argument);
    if (flag !== '--target' && flag !== '--outputs-file') {
      passed.push(argument);
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined || value === '' || (inline === undefined && value.startsWith('-'))) {
      throw new UsageError(`${flag} needs a value`);
    }
    if (flag === '--target') {
      if (target !== undefined) {
        throw new UsageError(`--target given twice (${target}, ${value})`);
      }
      target = value;
    } else {
      outputsFile = value;
    }
  }

  const name = target ?? environment.E2E_TARGET ?? 'local';
  if (!isTargetName(name)) {
    throw new UsageError(`unknown target "${name}": use --target ${TARGETS.join('|')}`);
  }
  if (name === 'local' && outputsFile !== undefined) {
    throw new UsageError('--outputs-file is for a deployed stack; --target local boots its own local cloud');
  }
  if (name === 'aws') {
    const endpointVariables = Object.keys(environment).filter(
      (key) => key.startsWith('AWS_ENDPOINT_URL') && environment[key],
    );
    if (endpointVariables.length > 0) {
      // The SDK would send the suite's AWS calls to that endpoint (LocalStack, usually) instead of AWS.
      throw new UsageError(`${endpointVariables.join(', ')} set: unset it to test the stack deployed on AWS`);
    }
  }

  const env: Record<string, string> = { E2E_TARGET: name };
  if (name !== 'local') {
    env.E2E_OUTPUTS_FILE = outputsFile ?? environment.E2E_OUTPUTS_FILE ?? `outputs.${name}.json`;
  }
  return { target: name, vitestArgs: ['run', '--project', 'e2e', ...passed], env };
}

function splitFlag(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  return argument.startsWith('--') && equals > 0
    ? [argument.slice(0, equals), argument.slice(equals + 1)]
    : [argument, undefined];
}

function isTargetName(name: string): name is TargetName {
  return (TARGETS as readonly string[]).includes(name);
}

async function main(): Promise<number> {
  let run: E2eRun;
  try {
    run = e2eRun(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`test:e2e: ${error.message}`);
      console.error(
        'usage: npm run test:e2e -- [--target local|localstack|aws] [--outputs-file <file>] [vitest args]',
      );
      return 2;
    }
    throw error;
  }
  const vitest = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
    'vitest.mjs',
  );
  const child = spawn(process.execPath, [vitest, ...run.vitestArgs], {
    stdio: 'inherit',
    env: { ...process.env, ...run.env },
  });
  // Ctrl-C reaches vitest through the terminal's process group; this process only waits for it to finish.
  process.on('SIGINT', () => {});
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
