import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { startLocalCloud } from '@serverless-data-sharing/local-cloud';
import type { TestProject } from 'vitest/node';
import { consoleSite } from '../../dev/console-site.ts';
import { synthesizeTestAssembly } from '../helpers/test-assembly.ts';
import { sdkClientConfig, type Target, type TargetName, targetFromOutputs, targetName } from './target.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    target: Target;
  }
}

/** Where the suite's local cloud keeps its assembly and outputs. */
export const STATE_DIRECTORY = path.resolve('.local-cloud', 'e2e');

/**
 * Finds the system under test. `local` (default): synthesizes the app and boots it on the local cloud on a free
 * port, stopped after the suite. `localstack` / `aws`: reads `E2E_OUTPUTS_FILE` written by `cdk deploy`.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const name = targetName();
  if (name !== 'local') {
    const outputsFile = process.env.E2E_OUTPUTS_FILE ?? `outputs.${name}.json`;
    const fetchKey = (apiKeyId: string) => fetchApiKeyValue(name, apiKeyId);
    project.provide('target', await targetFromOutputs(name, outputsFile, fetchKey));
    return undefined;
  }

  await rm(STATE_DIRECTORY, { recursive: true, force: true });
  await mkdir(STATE_DIRECTORY, { recursive: true });
  // The assembly the infra tests read, synthesized once per change (a cache hit when they ran first).
  const assemblyDirectory = await synthesizeTestAssembly();
  const cloud = await startLocalCloud({
    assemblyDirectory,
    stateDirectory: STATE_DIRECTORY,
    port: 0,
    site: consoleSite(),
  });
  const target = await targetFromOutputs(
    'local',
    cloud.outputsFile,
    (apiKeyId) => fetchApiKeyValue('local', apiKeyId),
    cloud.emulatorEndpoints,
  );
  project.provide('target', target);
  return async () => {
    await cloud.stop();
    // Every request of the suite carried the API key: no log line of any function or emulator may hold it.
    const leaks = await filesContaining(path.join(STATE_DIRECTORY, 'logs'), target.apiKey);
    if (leaks.length > 0) {
      throw new Error(`The API key value was logged, in ${leaks.join(', ')}`);
    }
  };
}

/** The files of a folder whose text contains `secret`. */
async function filesContaining(directory: string, secret: string): Promise<string[]> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    if ((await readFile(path.join(directory, name), 'utf8')).includes(secret)) {
      found.push(name);
    }
  }
  return found;
}

/** The API key's value by its id, from the target's API Gateway (LocalStack's endpoint on `localstack`). */
async function fetchApiKeyValue(name: TargetName, apiKeyId: string): Promise<string> {
  const client = new APIGatewayClient(sdkClientConfig(name, 'APIGATEWAY'));
  const key = await client.send(new GetApiKeyCommand({ apiKey: apiKeyId, includeValue: true }));
  if (!key.value) {
    throw new Error(`API key ${apiKeyId} has no value`);
  }
  return key.value;
}
