import { readFile } from 'node:fs/promises';

/** Where the e2e suite runs: the local cloud it boots itself, or a stack deployed elsewhere. */
export type TargetName = 'local' | 'localstack' | 'aws';

/** What the suite needs to reach a deployed stack. */
export interface Target {
  readonly name: TargetName;
  /** Base URL of the REST API, ending in `/`. */
  readonly apiUrl: string;
  readonly apiKey: string;
  /** Every output of the stack, for tests that reach a resource directly (a queue, to inject a message). */
  readonly outputs: Readonly<Record<string, string>>;
  /** On the local cloud: the emulators' endpoints by `AWS_ENDPOINT_URL_<SERVICE>`; elsewhere empty. */
  readonly endpoints: Readonly<Record<string, string>>;
}

/** The stack the e2e suite tests. */
export const STACK_NAME = 'DataSharingStack';

/** The target named by `E2E_TARGET` (default `local`). */
export function targetName(environment: NodeJS.ProcessEnv = process.env): TargetName {
  const name = environment.E2E_TARGET ?? 'local';
  if (name !== 'local' && name !== 'localstack' && name !== 'aws') {
    throw new Error(`E2E_TARGET must be local, localstack or aws; got ${name}`);
  }
  return name;
}

/**
 * Reads a `cdk deploy --outputs-file` file. The API key value comes from `ApiKey` when the file has it (the
 * local cloud writes it), otherwise from `fetchKeyValue(ApiKeyId)`.
 */
export async function targetFromOutputs(
  name: TargetName,
  outputsFile: string,
  fetchKeyValue: (apiKeyId: string) => Promise<string>,
  endpoints: Readonly<Record<string, string>> = {},
): Promise<Target> {
  const outputs = JSON.parse(await readFile(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  const stack = outputs[STACK_NAME];
  if (!stack?.ApiUrl) {
    throw new Error(`${outputsFile} has no ${STACK_NAME}.ApiUrl: deploy with --outputs-file ${outputsFile}`);
  }
  const apiKey = stack.ApiKey ?? (stack.ApiKeyId ? await fetchKeyValue(stack.ApiKeyId) : undefined);
  if (!apiKey) {
    throw new Error(`${outputsFile} has neither ${STACK_NAME}.ApiKey nor ${STACK_NAME}.ApiKeyId`);
  }
  return {
    name,
    apiUrl: stack.ApiUrl.endsWith('/') ? stack.ApiUrl : `${stack.ApiUrl}/`,
    apiKey,
    outputs: stack,
    endpoints,
  };
}
