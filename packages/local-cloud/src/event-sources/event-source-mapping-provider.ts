import { randomUUID } from 'node:crypto';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  propertyError,
  type TypedCreateRequest,
  typedProvider,
} from '../cloudformation/resource-properties.ts';
import type { CreatedResource, ResourceProvider } from '../cloudformation/types.ts';
import { DynamoDbStreamShardReader, tableStreamOf } from '../dynamodb/dynamodb-stream-shard-reader.ts';
import { KinesisShardReader } from '../kinesis/kinesis-shard-reader.ts';
import type { FunctionInvoker } from '../lambda/types.ts';
import { localQueueUrl } from '../sqs/queue-provider.ts';
import { type EventSourceMappingProperties, eventSourceMappingProperties } from './properties.ts';
import { SqsEventSource, type SqsEventSourceSettings } from './sqs-event-source.ts';
import {
  type ShardReader,
  type StartPosition,
  StreamEventSource,
  type StreamEventSourceSettings,
} from './stream-event-source.ts';

/** Concurrent batches per SQS mapping without `ScalingConfig`: a laptop-sized stand-in for Lambda's scaling. */
const DEFAULT_SQS_CONCURRENCY = 2;
/** DynamoDB Streams has no AT_TIMESTAMP iterator, and Lambda takes AT_TIMESTAMP only from Kinesis (and Kafka, DocumentDB). */
const KINESIS_STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;
const DYNAMODB_STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST'] as const;

export interface EventSourceMappingProviderOptions {
  readonly invoker: FunctionInvoker;
  /** fauxqs, when the template has queues. */
  readonly sqs?: { readonly client: SQSClient; readonly endpoint: string };
  /** kinesis-mock, when the template has streams. */
  readonly kinesis?: KinesisClient;
  /** DynamoDB Local's Streams API, when the template has tables. */
  readonly dynamoDbStreams?: DynamoDBStreamsClient;
  /** Called with each started event source, so the local cloud can stop it. */
  readonly onStarted: (source: { stop(): Promise<void> }) => void;
  readonly log?: (line: string) => void;
}

/** A mapping's event source, checked and ready to start: an SQS queue's, or a Kinesis or DynamoDB stream's. */
type SourcePlan =
  | { readonly kind: 'sqs'; readonly settings: SqsEventSourceSettings; readonly client: SQSClient }
  | { readonly kind: 'stream'; readonly settings: StreamEventSourceSettings; readonly reader: ShardReader };

type MappingRequest = TypedCreateRequest<EventSourceMappingProperties>;

/** A running event source. */
type RunningSource =
  | { readonly kind: 'sqs'; readonly source: SqsEventSource }
  | { readonly kind: 'stream'; readonly source: StreamEventSource };

/**
 * Creates `AWS::Lambda::EventSourceMapping` resources for SQS queues, Kinesis streams and DynamoDB streams (on
 * DynamoDB Local). Settings are checked as the Lambda API checks them; FilterCriteria and tumbling windows are
 * refused. An update applies new settings to the running poller, which keeps its place in the queue or stream
 * (`Enabled: false` stops it; enabling again starts from the starting position, the checkpoints being gone);
 * a delete stops it. https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export function eventSourceMappingProvider(options: EventSourceMappingProviderOptions): ResourceProvider {
  const running = new Map<string, RunningSource>();
  const startSource = async (uuid: string, plan: SourcePlan): Promise<void> => {
    const source =
      plan.kind === 'sqs'
        ? startSqsSource(plan.settings, plan.client, options)
        : await startStreamSource(plan.settings, plan.reader, options);
    running.set(uuid, source);
    options.onStarted(source.source);
  };
  return typedProvider(eventSourceMappingProperties, {
    async create(request) {
      const plan = sourcePlan(request, options);
      const uuid = randomUUID();
      if (request.properties.Enabled !== false) {
        await startSource(uuid, plan);
      }
      return mappingCreated(request, uuid);
    },
    async update(request) {
      const plan = sourcePlan(request, options);
      const uuid = request.physicalId;
      const current = running.get(uuid);
      if (request.properties.Enabled === false) {
        running.delete(uuid);
        await current?.source.stop();
      } else if (!current) {
        await startSource(uuid, plan);
      } else if (current.kind === 'sqs' && plan.kind === 'sqs') {
        current.source.reconfigure(plan.settings);
      } else if (current.kind === 'stream' && plan.kind === 'stream') {
        current.source.reconfigure(plan.settings);
      }
      return { physicalId: uuid, attributes: request.oldAttributes };
    },
    async delete(request) {
      const current = running.get(request.physicalId);
      running.delete(request.physicalId);
      await current?.source.stop();
    },
  });
}

/** The event source a mapping describes, its settings checked; fails with the logical id for what is not run. */
function sourcePlan(request: MappingRequest, options: EventSourceMappingProviderOptions): SourcePlan {
  const sourceArn = request.properties.EventSourceArn ?? '';
  const service = sourceArn.split(':')[2];
  if (service === 'kinesis') {
    if (!options.kinesis) {
      throw propertyError(request, 'EventSourceArn', `the stream ${sourceArn} is not on the local cloud`);
    }
    const settings = checkedStreamSettings(request, KINESIS_STARTING_POSITIONS, 'a Kinesis stream');
    // The role ARN is not known here; the event names one of the function's shape.
    const invokeIdentityArn = `arn:aws:iam::${request.accountId}:role/${request.properties.FunctionName.split(':').pop()}`;
    const reader = new KinesisShardReader(options.kinesis, sourceArn, request.region, invokeIdentityArn);
    return { kind: 'stream', settings: streamSourceSettings(request, options, settings), reader };
  }
  if (service === 'dynamodb') {
    if (!options.dynamoDbStreams || !tableStreamOf(sourceArn)) {
      throw propertyError(
        request,
        'EventSourceArn',
        `${sourceArn} is not the stream of a table on the local cloud`,
      );
    }
    const settings = checkedStreamSettings(request, DYNAMODB_STARTING_POSITIONS, 'a DynamoDB stream');
    const reader = new DynamoDbStreamShardReader(options.dynamoDbStreams, sourceArn, request.region);
    return { kind: 'stream', settings: streamSourceSettings(request, options, settings), reader };
  }
  if (service !== 'sqs') {
    throw propertyError(
      request,
      'EventSourceArn',
      `event sources from ${service ?? (sourceArn || '(none)')} are not supported by the local cloud yet`,
    );
  }
  if (!options.sqs) {
    throw propertyError(request, 'EventSourceArn', `the queue ${sourceArn} is not on the local cloud`);
  }
  return {
    kind: 'sqs',
    settings: sqsSourceSettings(request, options.sqs.endpoint),
    client: options.sqs.client,
  };
}

/** An SQS event source's settings, checked against Lambda's ranges for the queue's kind. */
function sqsSourceSettings(request: MappingRequest, endpoint: string): SqsEventSourceSettings {
  const p = request.properties;
  const sourceArn = p.EventSourceArn ?? '';
  const [, , , region = request.region, accountId = request.accountId, name = ''] = sourceArn.split(':');
  if (p.FilterCriteria !== undefined) {
    throw propertyError(request, 'FilterCriteria', 'not supported by the local cloud yet');
  }
  const fifo = name.endsWith('.fifo');
  const batchSize = p.BatchSize ?? 10;
  const window = p.MaximumBatchingWindowInSeconds ?? 0;
  if (batchSize < 1 || batchSize > (fifo ? 10 : 10_000)) {
    throw propertyError(
      request,
      'BatchSize',
      `${batchSize} is out of range for ${fifo ? 'a FIFO' : 'a standard'} queue`,
    );
  }
  if (window < 0 || window > 300) {
    throw propertyError(request, 'MaximumBatchingWindowInSeconds', `${window} is not within 0-300`);
  }
  if (batchSize > 10 && window < 1) {
    throw propertyError(
      request,
      'MaximumBatchingWindowInSeconds',
      'a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1',
    );
  }
  return {
    queueUrl: localQueueUrl(endpoint, accountId, name),
    queueArn: sourceArn,
    region,
    functionArn: functionArnOf(p.FunctionName, request),
    batchSize,
    maximumBatchingWindowSeconds: window,
    reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    maximumConcurrency: p.ScalingConfig?.MaximumConcurrency ?? DEFAULT_SQS_CONCURRENCY,
    fifo,
  };
}

function startSqsSource(
  settings: SqsEventSourceSettings,
  client: SQSClient,
  options: EventSourceMappingProviderOptions,
): RunningSource {
  const source = new SqsEventSource(settings, client, options.invoker, options.log);
  source.start();
  return { kind: 'sqs', source };
}

async function startStreamSource(
  settings: StreamEventSourceSettings,
  reader: ShardReader,
  options: EventSourceMappingProviderOptions,
): Promise<RunningSource> {
  const source = new StreamEventSource(settings, reader, options.invoker, options.log);
  await source.start();
  return { kind: 'stream', source };
}

/** Stream event source settings, checked against Lambda's documented ranges. */
interface StreamSettings {
  readonly batchSize: number;
  readonly window: number;
  readonly retries: number;
  readonly age: number;
  readonly startingPosition: StartPosition;
}

/** Lambda's documented ranges for stream event source settings; `source` names the stream kind in errors. */
function checkedStreamSettings(
  request: MappingRequest,
  startingPositions: readonly string[],
  source: string,
): StreamSettings {
  const p = request.properties;
  const batchSize = p.BatchSize ?? 100;
  const window = p.MaximumBatchingWindowInSeconds ?? 0;
  const retries = p.MaximumRetryAttempts ?? -1;
  const age = p.MaximumRecordAgeInSeconds ?? -1;
  const check = (ok: boolean, path: string, problem: string): void => {
    if (!ok) {
      throw propertyError(request, path, problem);
    }
  };
  check(batchSize >= 1 && batchSize <= 10_000, 'BatchSize', `${batchSize} is not within 1-10000`);
  check(window >= 0 && window <= 300, 'MaximumBatchingWindowInSeconds', `${window} is not within 0-300`);
  check(retries >= -1 && retries <= 10_000, 'MaximumRetryAttempts', `${retries} is not within -1-10000`);
  check(
    age === -1 || (age >= 60 && age <= 604_800),
    'MaximumRecordAgeInSeconds',
    `${age} is not -1 or within 60-604800`,
  );
  check(
    p.TumblingWindowInSeconds === undefined,
    'TumblingWindowInSeconds',
    'not supported by the local cloud yet',
  );
  check(p.FilterCriteria === undefined, 'FilterCriteria', 'not supported by the local cloud yet');
  const type = p.StartingPosition ?? '';
  check(
    startingPositions.includes(type),
    'StartingPosition',
    `${type || '(none)'} is not one of ${startingPositions.join(', ')} for ${source}`,
  );
  return { batchSize, window, retries, age, startingPosition: startPosition(request, type) };
}

/** Where a stream source starts reading; AT_TIMESTAMP needs its timestamp (seconds since the epoch). */
function startPosition(request: MappingRequest, type: string): StartPosition {
  if (type !== 'AT_TIMESTAMP') {
    return { type: type === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON' };
  }
  const timestamp = request.properties.StartingPositionTimestamp;
  if (timestamp === undefined) {
    throw propertyError(
      request,
      'StartingPositionTimestamp',
      'StartingPosition AT_TIMESTAMP needs a StartingPositionTimestamp',
    );
  }
  return { type, timestamp: new Date(timestamp * 1000) };
}

/** A Kinesis or DynamoDB Streams event source's settings: the same for both, only the reader differs. */
function streamSourceSettings(
  request: MappingRequest,
  options: EventSourceMappingProviderOptions,
  settings: StreamSettings,
): StreamEventSourceSettings {
  const p = request.properties;
  return {
    functionArn: functionArnOf(p.FunctionName, request),
    batchSize: settings.batchSize,
    maximumBatchingWindowSeconds: settings.window,
    startingPosition: settings.startingPosition,
    bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
    maximumRetryAttempts: settings.retries,
    maximumRecordAgeSeconds: settings.age,
    reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
    onFailure: onFailureDestination(request, options),
  };
}

/** Sends a failed batch's record to the on-failure destination, an SQS queue on the local cloud. */
function onFailureDestination(
  request: MappingRequest,
  options: EventSourceMappingProviderOptions,
): ((record: object) => Promise<void>) | undefined {
  const destination = request.properties.DestinationConfig?.OnFailure?.Destination;
  if (!destination) {
    return undefined;
  }
  const [, , service, , accountId = request.accountId, name = ''] = destination.split(':');
  const sqs = options.sqs;
  if (service !== 'sqs' || !sqs) {
    throw propertyError(
      request,
      'DestinationConfig.OnFailure.Destination',
      `${destination} must be an SQS queue on the local cloud`,
    );
  }
  const queueUrl = localQueueUrl(sqs.endpoint, accountId, name);
  return async (record) => {
    await sqs.client.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }),
    );
  };
}

/** A function's ARN from `FunctionName`, which may be a name or an ARN. */
function functionArnOf(functionName: string, request: MappingRequest): string {
  return functionName.startsWith('arn:')
    ? functionName
    : `arn:aws:lambda:${request.region}:${request.accountId}:function:${functionName}`;
}

/** What CloudFormation returns for a mapping: Ref = its UUID; Id and EventSourceMappingArn attributes. */
function mappingCreated(request: MappingRequest, uuid: string): CreatedResource {
  return {
    physicalId: uuid,
    attributes: {
      Id: uuid,
      EventSourceMappingArn: `arn:aws:lambda:${request.region}:${request.accountId}:event-source-mapping:${uuid}`,
    },
  };
}
