import path from 'node:path';
import { LambdaHost, type LambdaHostOptions } from '../../src/lambda/host.ts';
import type { FunctionConfig, InvokeOutcome } from '../../src/lambda/types.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/lambda');
export const REGION = 'eu-west-1';
export const ACCOUNT_ID = '000000000000';

/** A function from test/fixtures/lambda/<folder>; `codeDirectory` overrides name the folder. */
export function fixtureFunction(name: string, overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return {
    functionName: name,
    functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 3,
    memorySizeMb: 128,
    environment: {},
    ...overrides,
    codeDirectory: path.join(FIXTURES, overrides.codeDirectory ?? name),
  };
}

/** A host with fake emulator settings, collecting its log lines as `<function>: <line>`. */
export function testHost(options: Partial<LambdaHostOptions> = {}): { host: LambdaHost; logs: string[] } {
  const logs: string[] = [];
  const host = new LambdaHost({
    baseEnvironment: {
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
    },
    region: REGION,
    accountId: ACCOUNT_ID,
    onLog: (functionName, line) => logs.push(`${functionName}: ${line}`),
    ...options,
  });
  return { host, logs };
}

/** The JSON payload of an invocation that ran; fails the test for a rejected one. */
export function payloadOf<T = unknown>(outcome: InvokeOutcome): T {
  if (outcome.status === 'rejected') {
    throw new Error(`expected the function to run, got ${outcome.errorCode}: ${outcome.message}`);
  }
  return JSON.parse(outcome.payload) as T;
}

/** Lambda's error payload. */
export interface ErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: string[];
}
