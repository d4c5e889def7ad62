import { mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { BucketCorsRules } from '../s3/bucket-cors.ts';
import type { ObjectRequestEvent } from '../s3/object-event-hook.ts';
import type { SecretLookup } from '../sigv4/signed-request.ts';
import { measured, type Timings } from '../timings.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { startFauxqsEmulator } from './fauxqs.ts';
import { kinesisClient, startKinesisMock } from './kinesis-mock.ts';
import { freePort } from './ports.ts';
import type { Starters, Stoppable } from './speculative-starts.ts';

/** The emulators the local cloud runs, by the name callers choose them with. */
export type EmulatorName = 'dynamodb' | 'fauxqs' | 'kinesis';
export const EMULATOR_NAMES: readonly EmulatorName[] = ['dynamodb', 'fauxqs', 'kinesis'];

interface Emulator extends Stoppable {
  /** `AWS_ENDPOINT_URL_<SERVICE>` variables pointing at it, as functions get them. */
  readonly endpoints: Readonly<Record<string, string>>;
}

/** DynamoDB Local (DynamoDB and DynamoDB Streams), with clients for it. */
export interface DynamoDbEmulator extends Emulator {
  readonly client: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  /** Kills it and starts it again with its data; only when it keeps its data in a folder. */
  readonly restart?: (downMs: number) => Promise<void>;
}

/** fauxqs (SQS, SNS and S3 on one endpoint), with clients for it. */
export interface FauxqsEmulator extends Emulator {
  readonly endpoint: string;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
}

/** kinesis-mock, with a client for it. */
export interface KinesisEmulator extends Emulator {
  readonly client: KinesisClient;
}

export interface LocalEmulators {
  readonly dynamodb: DynamoDbEmulator;
  readonly fauxqs: FauxqsEmulator;
  readonly kinesis: KinesisEmulator;
}

export interface LocalEmulatorOptions {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Secret keys by access key id, for presigned S3 URLs. */
  readonly secretFor: SecretLookup;
  /** Buckets' CORS rules, filled in as buckets are created. */
  readonly cors: BucketCorsRules;
  /** Each object created or removed on S3. */
  readonly onObjectEvent: (event: ObjectRequestEvent) => void;
  /** A folder (emptied first) where DynamoDB Local keeps its data; it can then be restarted. @default memory */
  readonly dynamoDbDataDirectory?: string;
  /** Where files that make later starts faster are kept. @default none */
  readonly cacheDirectory?: string;
  /** Each line an emulator prints, by source. */
  readonly output: (source: string, line: string) => void;
  /** Progress lines. */
  readonly log: (line: string) => void;
  readonly timings?: Timings;
}

/** How to start each emulator, with its clients; each start is timed as `emulator <name>`. */
export function localEmulatorStarters(options: LocalEmulatorOptions): Starters<LocalEmulators> {
  return {
    dynamodb: () => measured(options.timings, 'emulator DynamoDB Local', () => startDynamoDb(options)),
    fauxqs: () => measured(options.timings, 'emulator fauxqs', () => startFauxqs(options)),
    kinesis: () => measured(options.timings, 'emulator kinesis-mock', () => startKinesis(options)),
  };
}

/** The endpoint variables of the emulators running, in a fixed order. */
export function emulatorEndpoints(emulators: Partial<LocalEmulators>): Record<string, string> {
  return Object.assign({}, ...EMULATOR_NAMES.map((name) => emulators[name]?.endpoints ?? {}));
}

async function startDynamoDb(options: LocalEmulatorOptions): Promise<DynamoDbEmulator> {
  options.log('Starting DynamoDB Local');
  const dataDirectory = options.dynamoDbDataDirectory;
  if (dataDirectory) {
    await rm(dataDirectory, { recursive: true, force: true });
    await mkdir(dataDirectory, { recursive: true });
  }
  const settings = {
    port: await freePort(),
    dataDirectory,
    cacheDirectory: options.cacheDirectory,
    onOutput: (line: string) => options.output('dynamodb-local', line),
  };
  let emulator = await startDynamoDbLocal(settings);
  const config = { endpoint: emulator.endpoint, region: options.region, credentials: options.credentials };
  const client = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const restart = async (downMs: number): Promise<void> => {
    options.log(`Killing DynamoDB Local; it starts again in ${downMs} ms`);
    await emulator.kill();
    await sleep(downMs);
    emulator = await startDynamoDbLocal(settings);
    options.log('DynamoDB Local is back, with its data');
  };
  return {
    endpoints: { AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint },
    client,
    streams,
    restart: dataDirectory ? restart : undefined,
    stop: async () => {
      client.destroy();
      streams.destroy();
      await emulator.stop();
    },
  };
}

async function startFauxqs(options: LocalEmulatorOptions): Promise<FauxqsEmulator> {
  options.log('Starting fauxqs (SQS, SNS, S3)');
  const emulator = await startFauxqsEmulator({
    port: await freePort(),
    region: options.region,
    secretFor: options.secretFor,
    onObjectEvent: options.onObjectEvent,
    cors: options.cors,
  });
  const config = { endpoint: emulator.endpoint, region: options.region, credentials: options.credentials };
  const clients = { sqs: new SQSClient(config), sns: new SNSClient(config), s3: new S3Client(config) };
  return {
    endpoint: emulator.endpoint,
    endpoints: Object.fromEntries(
      ['SQS', 'SNS', 'S3'].map((service) => [`AWS_ENDPOINT_URL_${service}`, emulator.endpoint]),
    ),
    ...clients,
    stop: async () => {
      clients.sqs.destroy();
      clients.sns.destroy();
      clients.s3.destroy();
      await emulator.stop();
    },
  };
}

async function startKinesis(options: LocalEmulatorOptions): Promise<KinesisEmulator> {
  options.log('Starting kinesis-mock (Kinesis)');
  const emulator = await startKinesisMock({
    port: await freePort(),
    region: options.region,
    credentials: options.credentials,
    cacheDirectory: options.cacheDirectory,
    onOutput: (line) => options.output('kinesis-mock', line),
  });
  const client = kinesisClient(emulator.endpoint, options.region, options.credentials);
  return {
    endpoints: { AWS_ENDPOINT_URL_KINESIS: emulator.endpoint },
    client,
    stop: async () => {
      client.destroy();
      await emulator.stop();
    },
  };
}
