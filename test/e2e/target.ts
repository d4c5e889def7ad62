import { readFile } from 'node:fs/promises';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@serverless-data-sharing/local-cloud';

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

/** The LocalStack edge endpoint `cdklocal` deploys to when `AWS_ENDPOINT_URL` is unset. */
export const DEFAULT_LOCALSTACK_ENDPOINT = 'http://localhost.localstack.cloud:4566';

/**
 * The stack outputs the suite reads besides `ApiUrl`: a file without one of them was written by another version
 * of the stack, and a test would fail far from the cause.
 */
export const SUITE_OUTPUTS = [
  'WebSocketUrl',
  'OrderQueueUrl',
  'OrderDeadLetterQueueUrl',
  'EventStreamName',
  'EventConsumerFailuresQueueUrl',
  'FilesBucketName',
  'FileRecordsTableName',
  'OrderEventsTopicArn',
  'ShippingDeadLetterQueueUrl',
  'AccountingDeadLetterQueueUrl',
  'AnalyticsDeadLetterQueueUrl',
  'SharedOrdersTableName',
  'ChangeFeedFailuresQueueUrl',
  'CqrsEventLogTableName',
  'CqrsOrderViewsTableName',
  'CqrsCustomerOrdersTableName',
] as const;

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
  const outputs = JSON.parse(await readOutputs(outputsFile)) as Record<string, Record<string, string>>;
  const stack = outputs[STACK_NAME];
  if (!stack?.ApiUrl) {
    throw new Error(`${outputsFile} has no ${STACK_NAME}.ApiUrl: deploy with --outputs-file ${outputsFile}`);
  }
  const missing = SUITE_OUTPUTS.filter((output) => !stack[output]);
  if (missing.length > 0) {
    throw new Error(
      `${outputsFile} has no ${missing.map((output) => `${STACK_NAME}.${output}`).join(', ')}: ` +
        'it was written by another version of the stack; deploy this one again',
    );
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

async function readOutputs(outputsFile: string): Promise<string> {
  try {
    return await readFile(outputsFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `${outputsFile} does not exist: deploy first (npm run deploy or npm run localstack:deploy)`,
      );
    }
    throw error;
  }
}

/** The AWS services the suite calls directly (API keys, queues, streams, buckets, tables). */
export type SdkService = 'APIGATEWAY' | 'SQS' | 'SNS' | 'KINESIS' | 'S3' | 'DYNAMODB';

/** What an AWS SDK client needs to reach a target's service; `{}` means the SDK's defaults. */
export interface SdkClientConfig {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** LocalStack serves buckets under the path: no DNS for `{bucket}.localhost.localstack.cloud` needed. */
  readonly forcePathStyle?: boolean;
}

/**
 * SDK client settings for a target. `local`: the emulator's endpoint, the local region and key. `localstack`: the
 * endpoint, credentials and region `cdklocal` deployed with (`AWS_ENDPOINT_URL` or LocalStack's default; `test`
 * keys and `us-east-1` unless `AWS_ENVAR_ALLOWLIST` lets the environment's through, as cdklocal does). `aws`: the
 * SDK's default chain (profile, SSO, environment, instance role) and region.
 */
export function sdkClientConfig(
  name: TargetName,
  service: SdkService,
  endpoints: Readonly<Record<string, string>> = {},
  environment: NodeJS.ProcessEnv = process.env,
): SdkClientConfig {
  if (name === 'local') {
    const endpoint = endpoints[`AWS_ENDPOINT_URL_${service}`];
    return endpoint ? { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } : {};
  }
  if (name === 'aws') {
    return {};
  }
  const allowed = new Set((environment.AWS_ENVAR_ALLOWLIST ?? '').split(',').map((key) => key.trim()));
  const fromEnvironment = (key: string) => (allowed.has(key) ? environment[key] : undefined) || undefined;
  return {
    endpoint: environment.AWS_ENDPOINT_URL || DEFAULT_LOCALSTACK_ENDPOINT,
    region: fromEnvironment('AWS_REGION') ?? 'us-east-1',
    credentials: {
      accessKeyId: fromEnvironment('AWS_ACCESS_KEY_ID') ?? 'test',
      secretAccessKey: fromEnvironment('AWS_SECRET_ACCESS_KEY') ?? 'test',
    },
    ...(service === 'S3' ? { forcePathStyle: true } : {}),
  };
}
