import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { API_KEY_VALUE_ATTRIBUTE, restApiProviders } from './apigateway/providers.ts';
import { localEndpointFor, startRestApiServer } from './apigateway/rest-api-server.ts';
import { webSocketApiProviders } from './apigatewayv2/providers.ts';
import { buildWebSocketApis } from './apigatewayv2/websocket-api-model.ts';
import { WebSocketGateway } from './apigatewayv2/websocket-gateway.ts';
import { AssemblyInputs, CloudUpdater, type CloudUpdateSummary, type RunningStack } from './cloud-update.ts';
import { readAssembly } from './cloudformation/assembly.ts';
import { deployStack, type IgnoredType } from './cloudformation/deploy.ts';
import type { DeployedStack, ResourceProvider } from './cloudformation/types.ts';
import { tableProvider } from './dynamodb/table-provider.ts';
import type { ChildEmulator } from './emulators/child-emulator.ts';
import { startDynamoDbLocal } from './emulators/dynamodb-local.ts';
import { EmulatorError } from './emulators/emulator-error.ts';
import { startFauxqsEmulator } from './emulators/fauxqs.ts';
import { kinesisClient, startKinesisMock } from './emulators/kinesis-mock.ts';
import { freePort, isPortFree } from './emulators/ports.ts';
import { eventSourceMappingProvider } from './event-sources/event-source-mapping-provider.ts';
import { streamProvider } from './kinesis/stream-provider.ts';
import { AsyncInvocationQueue } from './lambda/async-invocation.ts';
import { eventInvokeConfigProvider } from './lambda/event-invoke-config-provider.ts';
import type { FaultInjector } from './lambda/fault-injection.ts';
import { functionProvider } from './lambda/function-provider.ts';
import { LambdaHost } from './lambda/host.ts';
import { LogFiles } from './log-files.ts';
import { BucketCorsRules } from './s3/bucket-cors.ts';
import {
  BucketNotifications,
  bucketNotificationsProvider,
  type ObjectRequestEvent,
} from './s3/bucket-notifications.ts';
import { bucketProvider } from './s3/bucket-provider.ts';
import { subscriptionProvider } from './sns/subscription-provider.ts';
import { topicProvider } from './sns/topic-provider.ts';
import { localQueueUrl, queueProvider } from './sqs/queue-provider.ts';
import { type StaticMount, StaticSite } from './static-site.ts';

/** The account and region every local resource lives in; ARNs and URLs are built from them. */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** Credentials handed to functions and clients: the emulators check that they are present, not what they are. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * The secret of a local access key id, for checking presigned URLs and requests signed for `AWS_IAM` API methods:
 * only {@link LOCAL_CREDENTIALS} exist.
 */
export function localSecretFor(accessKeyId: string): string | undefined {
  return accessKeyId === LOCAL_CREDENTIALS.accessKeyId ? LOCAL_CREDENTIALS.secretAccessKey : undefined;
}

/**
 * Resource types the local cloud accepts without creating anything. Each reason says why that is safe;
 * everything else without a provider fails the boot with its logical id.
 */
export const IGNORED_TYPES: readonly IgnoredType[] = [
  { type: 'AWS::CDK::Metadata', reason: 'CDK usage metadata; no behaviour.' },
  {
    type: 'AWS::IAM::Role',
    reason: 'The emulators do not evaluate IAM; permissions are checked by template tests.',
    arnPrefix: 'iam::role/',
  },
  { type: 'AWS::IAM::Policy', reason: 'The emulators do not evaluate IAM.' },
  {
    type: 'AWS::IAM::ManagedPolicy',
    reason: 'The emulators do not evaluate IAM.',
    arnPrefix: 'iam::policy/',
  },
  {
    type: 'AWS::Lambda::Permission',
    reason: 'Resource policies are not evaluated; routes invoke their integration function directly.',
  },
  { type: 'AWS::SQS::QueuePolicy', reason: 'Resource policies are not evaluated by the emulators.' },
  { type: 'AWS::S3::BucketPolicy', reason: 'Resource policies are not evaluated by the emulators.' },
  {
    type: 'AWS::SNS::TopicPolicy',
    reason: 'Resource policies are not evaluated by the emulators: anyone may publish to a local topic.',
  },
  {
    type: 'AWS::CloudWatch::Alarm',
    reason: 'No CloudWatch metrics are emulated; alarms are checked by template tests.',
    arnPrefix: 'cloudwatch::alarm:',
  },
  {
    type: 'AWS::Logs::LogGroup',
    reason: 'Function output goes to the local cloud log instead of CloudWatch Logs.',
    arnPrefix: 'logs::log-group:',
  },
];

export interface LocalCloudOptions {
  /** The cloud assembly to run (`cdk.out`). */
  readonly assemblyDirectory: string;
  /** Where the outputs file and scratch files go (`.local-cloud`). */
  readonly stateDirectory: string;
  /** Port of the API server; 0 picks a free one. */
  readonly port: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /**
   * Each line a function or an emulator prints, by source. Every line is also appended to
   * `{stateDirectory}/logs/{source}.log`.
   */
  readonly onOutput?: (source: string, line: string) => void;
  /** Faults to inject into function invocations (`--faults <file>`); none by default. */
  readonly faults?: FaultInjector;
  /**
   * Keep DynamoDB Local's data in a file under the state directory instead of in memory, so that
   * {@link LocalCloud.restartEmulator} can kill it and start it again with its data (slower than memory).
   */
  readonly persistDynamoDb?: boolean;
  /**
   * Folders served on the API port beside the APIs (`/_console/` -> `console/`), and where `GET /` redirects.
   * The outputs are always served as {@link OUTPUTS_PATH}. @default no folders
   */
  readonly site?: { readonly mounts: readonly StaticMount[]; readonly home?: string };
}

/**
 * Emulators that can be killed and started again mid-run with their state: only DynamoDB Local, whose data can
 * live in a file. fauxqs (SQS, SNS, S3) runs inside the local cloud's own process, and kinesis-mock can write its
 * data to disk only every few seconds, so a kill would lose records Kinesis had acknowledged.
 */
export type RestartableEmulator = 'dynamodb';

/**
 * Where the API server serves the stack outputs (those of `outputs.json`, API key values included) to pages on
 * the same loopback origin.
 */
export const OUTPUTS_PATH = '/_local-cloud/outputs.json';

export interface LocalCloud {
  readonly stacks: readonly DeployedStack[];
  /** Stack outputs as `cdk deploy --outputs-file` writes them, with local URLs and API key values. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly outputsFile: string;
  readonly apiPort: number;
  /** `AWS_ENDPOINT_URL_<SERVICE>` of every emulator started, as functions get them. */
  readonly emulatorEndpoints: Readonly<Record<string, string>>;
  /** Stops the API server, every function and every emulator. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Kills an emulator as a crash would (SIGKILL), waits `downMs`, and starts it again on the same port with the
   * data it had; requests in between fail as they would against an unreachable service.
   */
  restartEmulator(name: RestartableEmulator, downMs?: number): Promise<void>;
  /**
   * Applies a newly synthesized cloud assembly to what runs: each stack's changed resources are created, updated,
   * replaced or deleted; unchanged ones and their data stay. Rewrites the outputs file. On failure, throws with
   * the previous resources still serving (see `CloudUpdater`).
   */
  update(assemblyDirectory: string): Promise<CloudUpdateSummary>;
  /** Runs new code for a function (by name) from its next invocation on: a bundle changed, the template did not. */
  updateFunctionCode(functionName: string, codeDirectory: string): Promise<void>;
}

/** Boots a cloud assembly on the local cloud: emulators, resources in dependency order, then the API server. */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const log = options.log ?? (() => {});
  const stoppers: Array<() => Promise<void>> = [];
  const restarters = new Map<RestartableEmulator, (downMs: number) => Promise<void>>();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    // Last started, first stopped: the API server before the functions before the emulators.
    for (const stopOne of stoppers.reverse()) {
      await stopOne().catch((error: unknown) => log(`while stopping: ${String(error)}`));
    }
  };

  try {
    const logFiles = await LogFiles.open(path.join(options.stateDirectory, 'logs'));
    // Closed last, after everything that writes to it has stopped.
    stoppers.push(() => logFiles.close());
    const output = (source: string, line: string): void => {
      logFiles.write(source, line);
      options.onOutput?.(source, line);
    };
    const assembly = await readAssembly(options.assemblyDirectory);
    const apiPort = await reserveApiPort(options.port);
    const types = new Set(
      assembly.flatMap((stack) => Object.values(stack.template.Resources).map((r) => r.Type)),
    );

    const emulatorEndpoints: Record<string, string> = {};
    let dynamoDb: DynamoDBClient | undefined;
    let dynamoDbStreams: DynamoDBStreamsClient | undefined;
    if (types.has('AWS::DynamoDB::Table')) {
      log('Starting DynamoDB Local');
      const dynamoDbSettings = {
        port: await freePort(),
        dataDirectory: options.persistDynamoDb
          ? path.join(options.stateDirectory, 'dynamodb-data')
          : undefined,
        onOutput: (line: string) => output('dynamodb-local', line),
      };
      if (dynamoDbSettings.dataDirectory) {
        await rm(dynamoDbSettings.dataDirectory, { recursive: true, force: true });
        await mkdir(dynamoDbSettings.dataDirectory, { recursive: true });
      }
      let emulator: ChildEmulator = await startDynamoDbLocal(dynamoDbSettings);
      stoppers.push(() => emulator.stop());
      if (dynamoDbSettings.dataDirectory) {
        restarters.set('dynamodb', async (downMs) => {
          log(`Killing DynamoDB Local; it starts again in ${downMs} ms`);
          await emulator.kill();
          await sleep(downMs);
          emulator = await startDynamoDbLocal(dynamoDbSettings);
          log('DynamoDB Local is back, with its data');
        });
      }
      emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB = emulator.endpoint;
      dynamoDb = new DynamoDBClient({
        endpoint: emulator.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      stoppers.push(async () => dynamoDb?.destroy());
      dynamoDbStreams = new DynamoDBStreamsClient({
        endpoint: emulator.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      });
      stoppers.push(async () => dynamoDbStreams?.destroy());
    }

    let fauxqs: { sqs: SQSClient; sns: SNSClient; s3: S3Client; endpoint: string } | undefined;
    const bucketCors = new BucketCorsRules();
    let objectEvents: ((event: ObjectRequestEvent) => void) | undefined;
    if ([...types].some((type) => /^AWS::(SQS|S3|SNS)::/.test(type))) {
      log('Starting fauxqs (SQS, SNS, S3)');
      const emulator = await startFauxqsEmulator({
        port: await freePort(),
        region: LOCAL_REGION,
        secretFor: localSecretFor,
        // Bucket notifications are configured later, with the stack; objects created before that raise nothing.
        onObjectEvent: (event) => objectEvents?.(event),
        cors: bucketCors,
      });
      stoppers.push(() => emulator.stop());
      for (const service of ['SQS', 'SNS', 'S3']) {
        emulatorEndpoints[`AWS_ENDPOINT_URL_${service}`] = emulator.endpoint;
      }
      const clientConfig = {
        endpoint: emulator.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      };
      fauxqs = {
        sqs: new SQSClient(clientConfig),
        sns: new SNSClient(clientConfig),
        s3: new S3Client(clientConfig),
        endpoint: emulator.endpoint,
      };
      const clients = fauxqs;
      stoppers.push(async () => {
        clients.sqs.destroy();
        clients.sns.destroy();
        clients.s3.destroy();
      });
    }

    let kinesis: KinesisClient | undefined;
    if (types.has('AWS::Kinesis::Stream')) {
      log('Starting kinesis-mock (Kinesis)');
      const emulator = await startKinesisMock({
        port: await freePort(),
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        onOutput: (line) => output('kinesis-mock', line),
      });
      stoppers.push(() => emulator.stop());
      emulatorEndpoints.AWS_ENDPOINT_URL_KINESIS = emulator.endpoint;
      const client = kinesisClient(emulator.endpoint, LOCAL_REGION, LOCAL_CREDENTIALS);
      kinesis = client;
      stoppers.push(async () => client.destroy());
    }

    const host = new LambdaHost({
      baseEnvironment: {
        ...emulatorEndpoints,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      },
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      onLog: (functionName, line) => output(functionName, line),
      faults: options.faults,
    });
    stoppers.push(() => host.close());
    // Asynchronous invocations (S3 notifications) stop before the host they run on. Retries wait 1 s and 2 s
    // instead of Lambda's minute or two, and throttles at most 2 s, so a failing event reaches its destination
    // while one watches.
    const asyncInvocations = new AsyncInvocationQueue({
      invoker: host,
      retryDelaysMs: LOCAL_ASYNC_RETRY_DELAYS_MS,
      throttleBackoffMs: LOCAL_ASYNC_THROTTLE_BACKOFF_MS,
      sendMessage: (queueArn, body) => sendToQueue(fauxqs, queueArn, body),
      log: (line) => output('lambda-async', line),
    });
    stoppers.push(() => asyncInvocations.close());
    const notifications = new BucketNotifications({
      region: LOCAL_REGION,
      ownerId: LOCAL_ACCOUNT_ID,
      delivery: {
        invokeAsync: (functionArn, payload) => asyncInvocations.invokeAsync(functionArn, payload),
        sendMessage: (queueArn, body) => sendToQueue(fauxqs, queueArn, body),
      },
      objectDetails: (bucket, key) => objectDetails(fauxqs, bucket, key),
      log: (line) => output('s3-notifications', line),
    });
    if (fauxqs) {
      objectEvents = (event) => notifications.notify(event);
    }

    const rewriteEndpoints = (value: string): string => rewriteExecuteApiUrls(value, apiPort);
    const stacks: DeployedStack[] = [];
    const running: RunningStack[] = [];
    for (const stack of assembly) {
      log(`Creating the resources of ${stack.stackName}`);
      const inputs = new AssemblyInputs(stack, LOCAL_CUSTOM_RESOURCE_TYPES);
      const providers: Record<string, ResourceProvider> = {
        ...restApiProviders(),
        ...webSocketApiProviders(),
        'AWS::Lambda::Function': functionProvider({
          host: {
            register: (config) => {
              host.register(config);
              asyncInvocations.register(config.functionName, config.functionArn);
            },
            update: (config) => host.update(config),
            unregister: (functionName) => {
              host.unregister(functionName);
              asyncInvocations.unregister(functionName);
            },
          },
          assetsByObjectKey: inputs.assetsByObjectKey,
          scratchDirectory: options.stateDirectory,
          rewriteEndpoints,
          standIns: inputs.standIns,
        }),
        'AWS::Lambda::EventInvokeConfig': eventInvokeConfigProvider(asyncInvocations),
        ...(dynamoDb ? { 'AWS::DynamoDB::Table': tableProvider(dynamoDb) } : {}),
        ...(fauxqs
          ? {
              'AWS::SQS::Queue': queueProvider(fauxqs.sqs, fauxqs.endpoint),
              'AWS::S3::Bucket': bucketProvider(fauxqs.s3, bucketCors),
              'AWS::SNS::Topic': topicProvider(fauxqs.sns),
              'AWS::SNS::Subscription': subscriptionProvider(fauxqs.sns),
              'Custom::S3BucketNotifications': bucketNotificationsProvider(notifications),
            }
          : {}),
        ...(kinesis ? { 'AWS::Kinesis::Stream': streamProvider(kinesis) } : {}),
        'AWS::Lambda::EventSourceMapping': eventSourceMappingProvider({
          invoker: host,
          sqs: fauxqs ? { client: fauxqs.sqs, endpoint: fauxqs.endpoint } : undefined,
          kinesis,
          dynamoDbStreams,
          // Event sources stop before the functions they feed (stoppers run last first).
          onStarted: (source) => stoppers.push(() => source.stop()),
          log: (line) => output('event-sources', line),
        }),
      };
      stacks.push(
        await deployStack({
          stackName: stack.stackName,
          template: stack.template,
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT_ID,
          providers,
          ignoredTypes: IGNORED_TYPES,
        }),
      );
      running.push({ deployed: stacks.at(-1) as DeployedStack, template: stack.template, providers, inputs });
    }

    const withApis = stacks.filter((stack) =>
      [...stack.resources.values()].some(
        (resource) =>
          resource.type === 'AWS::ApiGateway::RestApi' || resource.type === 'AWS::ApiGatewayV2::Api',
      ),
    );
    if (withApis.length > 1) {
      throw new EmulatorError('APIs in more than one stack are not supported by the local cloud yet.');
    }
    const [apiStack] = withApis;
    let outputs: Record<string, Record<string, string>> | undefined;
    let apiServer: { reload(stack: DeployedStack | undefined): void } | undefined;
    if (apiStack) {
      // REST and WebSocket APIs share the API port: the API id in the path tells them apart.
      const webSocketApis = buildWebSocketApis(apiStack);
      const server = await startRestApiServer({
        stack: apiStack,
        invoker: host,
        port: apiPort,
        webSockets:
          webSocketApis.size > 0
            ? new WebSocketGateway({
                apis: webSocketApis,
                invoker: host,
                region: apiStack.region,
                accountId: apiStack.accountId,
                log: (line) => output('api-gateway-websocket', line),
              })
            : undefined,
        secretFor: localSecretFor,
        site: new StaticSite({
          mounts: options.site?.mounts ?? [],
          home: options.site?.home,
          documents: { [OUTPUTS_PATH]: () => outputs },
        }),
        log: (line) => output('api-gateway', line),
      });
      stoppers.push(() => server.close());
      apiServer = server;
    }

    await mkdir(options.stateDirectory, { recursive: true });
    const outputsFile = path.join(options.stateDirectory, 'outputs.json');
    const publish = async (deployed: readonly DeployedStack[]): Promise<void> => {
      outputs = Object.fromEntries(deployed.map((stack) => [stack.stackName, localOutputs(stack, apiPort)]));
      await writeFile(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
    };
    await publish(stacks);
    const updater = new CloudUpdater({
      stacks: running,
      ignoredTypes: IGNORED_TYPES,
      apis: apiServer,
      publish,
      host,
      log: (line) => output('cloudformation', line),
    });
    // The emulators' endpoints, by the environment variable the SDKs and the AWS CLI read them from.
    await writeFile(
      path.join(options.stateDirectory, 'endpoints.json'),
      `${JSON.stringify(emulatorEndpoints, null, 2)}\n`,
    );
    const restartEmulator = async (name: RestartableEmulator, downMs = 0): Promise<void> => {
      const restart = restarters.get(name);
      if (!restart) {
        throw new Error(
          `Cannot restart ${name}: only an emulator that keeps its data in a file can be restarted (start the local cloud with persistDynamoDb).`,
        );
      }
      await restart(downMs);
    };
    return {
      get stacks() {
        return updater.stacks;
      },
      get outputs() {
        return outputs ?? {};
      },
      outputsFile,
      apiPort,
      emulatorEndpoints,
      stop,
      restartEmulator,
      update: (assemblyDirectory) => updater.update(assemblyDirectory),
      updateFunctionCode: (functionName, codeDirectory) =>
        updater.updateFunctionCode(functionName, codeDirectory),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Custom resource types the local cloud implements itself, instead of running their handler functions. */
const LOCAL_CUSTOM_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Custom::S3BucketNotifications']);

/** Waits before the retries of a failed asynchronous invocation (Lambda waits about 1 and 2 minutes). */
export const LOCAL_ASYNC_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

/** Backoff after a throttled asynchronous invocation (Lambda starts at 1 s and doubles up to 5 minutes). */
export const LOCAL_ASYNC_THROTTLE_BACKOFF_MS = { firstMs: 100, maxMs: 2_000 } as const;

/** Sends a message to a queue on fauxqs, by the queue's ARN (`arn:aws:sqs:{region}:{account}:{name}`). */
async function sendToQueue(
  fauxqs: { sqs: SQSClient; endpoint: string } | undefined,
  queueArn: string,
  body: string,
): Promise<void> {
  const [, , service, , accountId, queueName] = queueArn.split(':');
  if (!fauxqs || service !== 'sqs' || !accountId || !queueName) {
    throw new EmulatorError(`${queueArn} is not the ARN of a local SQS queue`);
  }
  await fauxqs.sqs.send(
    new SendMessageCommand({
      QueueUrl: localQueueUrl(fauxqs.endpoint, accountId, queueName),
      MessageBody: body,
    }),
  );
}

/** A created object's size and ETag (unquoted, as S3 events carry it). */
async function objectDetails(
  fauxqs: { s3: S3Client } | undefined,
  bucket: string,
  key: string,
): Promise<{ size: number; eTag: string }> {
  if (!fauxqs) {
    throw new EmulatorError(`s3://${bucket}/${key}: no S3 emulator is running`);
  }
  const head = await fauxqs.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { size: head.ContentLength ?? 0, eTag: (head.ETag ?? '').replaceAll('"', '') };
}

async function reserveApiPort(port: number): Promise<number> {
  if (port === 0) {
    return freePort();
  }
  if (!(await isPortFree(port))) {
    throw new EmulatorError(
      `Port ${port} is in use on 127.0.0.1: stop what listens there or choose another with --port.`,
    );
  }
  return port;
}

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
function localOutputs(stack: DeployedStack, port: number): Record<string, string> {
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
