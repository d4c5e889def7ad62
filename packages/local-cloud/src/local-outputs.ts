import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { API_KEY_VALUE_ATTRIBUTE } from './apigateway/providers.ts';
import { localEndpointFor } from './apigateway/rest-api-server.ts';
import type { DeployedStack } from './cloudformation/types.ts';

const EXECUTE_API_URL =
  /(?:https|wss):\/\/[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\/[^\s"']*)?/g;

/** Replaces every API Gateway invoke URL in a string with the local API server's URL for it. */
export function rewriteExecuteApiUrls(value: string, port: number): string {
  return value.replace(EXECUTE_API_URL, (url) => localEndpointFor(url, port) ?? url);
}

/**
 * The stack's outputs with local URLs. For an output that is an API key id (`Ref` of an
 * `AWS::ApiGateway::ApiKey`), the key's value is added beside it, named without the `Id` suffix
 * (`ApiKeyId` -> `ApiKey`), since there is no console to read it from.
 */
export function localOutputs(stack: DeployedStack, port: number): Record<string, string> {
  const keyValues = new Map<string, string>();
  for (const resource of stack.resources.values()) {
    const value = resource.attributes[API_KEY_VALUE_ATTRIBUTE];
    if (resource.type === 'AWS::ApiGateway::ApiKey' && typeof value === 'string') {
      keyValues.set(resource.physicalId, value);
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, value] of Object.entries(stack.outputs)) {
    outputs[name] = rewriteExecuteApiUrls(value, port);
    const keyValue = keyValues.get(value);
    if (keyValue !== undefined) {
      outputs[name.endsWith('Id') ? name.slice(0, -2) : `${name}Value`] = keyValue;
    }
  }
  return outputs;
}

/**
 * Writes `outputs.json` (as `cdk deploy --outputs-file` does) and `endpoints.json` (the emulators' endpoints, by
 * the environment variable the SDKs and the AWS CLI read them from) into the state folder; returns the first.
 */
export async function writeStateFiles(
  stateDirectory: string,
  outputs: unknown,
  emulatorEndpoints: Readonly<Record<string, string>>,
): Promise<string> {
  await mkdir(stateDirectory, { recursive: true });
  const outputsFile = path.join(stateDirectory, 'outputs.json');
  await writeOutputsFile(outputsFile, outputs);
  await writeFile(
    path.join(stateDirectory, 'endpoints.json'),
    `${JSON.stringify(emulatorEndpoints, null, 2)}\n`,
  );
  return outputsFile;
}

/** Writes the stack outputs in the shape `cdk deploy --outputs-file` writes them. */
export async function writeOutputsFile(outputsFile: string, outputs: unknown): Promise<void> {
  await writeFile(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
}
