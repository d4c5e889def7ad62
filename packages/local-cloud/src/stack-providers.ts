import { restApiProviders } from './apigateway/providers.ts';
import { webSocketApiProviders } from './apigatewayv2/providers.ts';
import { AssemblyInputs } from './cloud-update.ts';
import type { AssemblyStack } from './cloudformation/assembly.ts';
import type { IgnoredType } from './cloudformation/deploy.ts';
import type { ResourceProvider } from './cloudformation/types.ts';
import { tableProvider } from './dynamodb/table-provider.ts';
import type { LocalEmulators } from './emulators/local-emulators.ts';
import { eventSourceMappingProvider } from './event-sources/event-source-mapping-provider.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import { streamProvider } from './kinesis/stream-provider.ts';
import { eventInvokeConfigProvider } from './lambda/event-invoke-config-provider.ts';
import { functionProvider } from './lambda/function-provider.ts';
import type { BucketCorsRules } from './s3/bucket-cors.ts';
import { bucketNotificationsProvider } from './s3/bucket-notifications.ts';
import { bucketProvider } from './s3/bucket-provider.ts';
import { subscriptionProvider } from './sns/subscription-provider.ts';
import { topicProvider } from './sns/topic-provider.ts';
import { queueProvider } from './sqs/queue-provider.ts';

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
  {
    type: 'AWS::KMS::Key',
    reason:
      'Encryption at rest (a function environment, a queue, a table) has no local effect: the emulators keep data ' +
      'unencrypted. There is no local KMS endpoint for code that calls KMS itself.',
    // https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
    arnPrefix: 'kms::key/',
  },
];

/** Custom resource types the local cloud implements itself, instead of running their handler functions. */
const LOCAL_CUSTOM_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Custom::S3BucketNotifications']);

export interface StackProviderOptions {
  readonly runtime: FunctionRuntime;
  /** The emulators running; the types they serve have providers only when they run. */
  readonly emulators: Partial<LocalEmulators>;
  readonly bucketCors: BucketCorsRules;
  /** Where inline function code is written. */
  readonly scratchDirectory: string;
  /** Rewrites AWS endpoint URLs in function environments to their local counterparts. */
  readonly rewriteEndpoints: (value: string) => string;
  /** Each event source as it starts polling, so that it is stopped before the functions it feeds. */
  readonly onEventSource: (source: { stop(): Promise<void> }) => void;
  readonly output: (source: string, line: string) => void;
}

/**
 * The providers of every resource type the local cloud creates, for one stack of the assembly, and the assembly
 * inputs (assets, stand-ins) they read, which an update renews.
 */
export function stackProviders(
  stack: AssemblyStack,
  options: StackProviderOptions,
): { providers: Record<string, ResourceProvider>; inputs: AssemblyInputs } {
  const { runtime, emulators } = options;
  const { dynamodb, fauxqs, kinesis } = emulators;
  const inputs = new AssemblyInputs(stack, LOCAL_CUSTOM_RESOURCE_TYPES);
  const providers: Record<string, ResourceProvider> = {
    ...restApiProviders(),
    ...webSocketApiProviders(),
    'AWS::Lambda::Function': functionProvider({
      host: {
        register: (config) => {
          runtime.host.register(config);
          runtime.asyncInvocations.register(config.functionName, config.functionArn);
        },
        update: (config) => runtime.host.update(config),
        unregister: (functionName) => {
          runtime.host.unregister(functionName);
          runtime.asyncInvocations.unregister(functionName);
        },
      },
      assetsByObjectKey: inputs.assetsByObjectKey,
      scratchDirectory: options.scratchDirectory,
      rewriteEndpoints: options.rewriteEndpoints,
      standIns: inputs.standIns,
    }),
    'AWS::Lambda::EventInvokeConfig': eventInvokeConfigProvider(runtime.asyncInvocations),
    ...(dynamodb ? { 'AWS::DynamoDB::Table': tableProvider(dynamodb.client) } : {}),
    ...(fauxqs
      ? {
          'AWS::SQS::Queue': queueProvider(fauxqs.sqs, fauxqs.endpoint),
          'AWS::S3::Bucket': bucketProvider(fauxqs.s3, options.bucketCors),
          'AWS::SNS::Topic': topicProvider(fauxqs.sns),
          'AWS::SNS::Subscription': subscriptionProvider(fauxqs.sns),
          'Custom::S3BucketNotifications': bucketNotificationsProvider(runtime.notifications),
        }
      : {}),
    ...(kinesis ? { 'AWS::Kinesis::Stream': streamProvider(kinesis.client) } : {}),
    'AWS::Lambda::EventSourceMapping': eventSourceMappingProvider({
      invoker: runtime.host,
      sqs: fauxqs ? { client: fauxqs.sqs, endpoint: fauxqs.endpoint } : undefined,
      kinesis: kinesis?.client,
      dynamoDbStreams: dynamodb?.streams,
      onStarted: options.onEventSource,
      log: (line) => options.output('event-sources', line),
    }),
  };
  return { providers, inputs };
}
