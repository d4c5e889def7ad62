import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  FaultInjector,
  type FaultRule,
  kinesisClient,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalCloud,
  startLocalCloud,
  synthesize,
} from '@serverless-data-sharing/local-cloud';
import { ApiClient, sleep } from '../bench/api.ts';
import { redriveDeadLetters } from '../scripts/redrive-dead-letters.ts';
import { shippingAddress } from '../test/helpers/orders.ts';
import {
  type AccountRow,
  compareStats,
  expectedStats,
  formatAccounts,
  rowHolds,
  type SkuCounts,
  tally,
} from './accounting.ts';
import {
  drainQueue,
  listKeys,
  peekQueue,
  queueDepth,
  recordsOf,
  renotify,
  replayRecords,
  type StreamBatchInfo,
  scanAll,
} from './channels.ts';
import {
  clientRetries,
  dropFile,
  FULL_SCALE,
  inParallel,
  POISON_PER_CHANNEL,
  productEvents,
  sendEvents,
  soakOrder,
  withRetries,
} from './workloads.ts';

const USAGE = `Usage: npm run soak -- [options]

Boots the local cloud with faults injected into every function the soak drives, sends orders through the
message queue, events through the stream, orders through publish/subscribe and files through the file drop,
plus poison items put raw on each channel; waits until everything settles, stops the faults, redrives dead
letters and replays failed stream batches as an operator would, then accounts for every item.

Options:
  --scale <x>         share of the full load (2,000 orders, 10,000 events, 1,000 publications, 200 files);
                      default 1
  --error-rate <x>    share of invocations that fail, before or after the handler's side effects; default 0.2
  --seed <n>          seed of the fault draws; default random (printed)
  --minutes <n>       give up after this many minutes; default 30
  --kill-dynamodb <s> kill DynamoDB Local this many seconds into the load and start it again 3 s later with
                      its data (it then keeps its data in a file); default 20, 0 for never
  -h, --help          this text`;

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const STATE = path.join(PROJECT_ROOT, '.local-cloud', 'soak');
/** No change in any count for this long, with the source queues empty, and the system has settled. */
const QUIET_MS = 20_000;
const POLL_MS = 3_000;
const STACK = 'DataSharingStack';
const DYNAMODB_DOWN_MS = 3_000;

/** The functions the soak drives, each failing the given share of its invocations. */
function faultRules(errorRate: number): FaultRule[] {
  return [
    '*MessageQueueSubmitOrder*',
    '*MessageQueueProcessOrders*',
    '*MessageStreamPublishEvents*',
    '*MessageStreamAggregateEvents*',
    '*PubSubPublishOrder*',
    '*PubSub*Subscriber*',
    '*FileDropCreateUpload*',
    '*FileDropProcessUpload*',
  ].map((functions) => ({ functions, errorRate, at: 'either', slowRate: 0.05, slowMs: [50, 1_000] }));
}

interface Settings {
  readonly scale: number;
  readonly errorRate: number;
  readonly seed?: number;
  readonly minutes: number;
  /** When to kill DynamoDB Local during the load; 0 for never. */
  readonly killDynamoDbAfterSeconds: number;
}

function settingsFromArgs(): Settings | undefined {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      'error-rate': { type: 'string', default: '0.2' },
      seed: { type: 'string' },
      minutes: { type: 'string', default: '30' },
      'kill-dynamodb': { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const number = (name: string, value: string, min: number, max: number): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      console.error(`--${name} must be a number from ${min} to ${max}, got ${value}`);
      process.exit(2);
    }
    return parsed;
  };
  return {
    scale: number('scale', values.scale, 0.001, 10),
    errorRate: number('error-rate', values['error-rate'], 0, 0.9),
    seed: values.seed === undefined ? undefined : number('seed', values.seed, 0, 2 ** 32 - 1),
    minutes: number('minutes', values.minutes, 1, 120),
    killDynamoDbAfterSeconds: number('kill-dynamodb', values['kill-dynamodb'], 0, 3_600),
  };
}

/** The deployed resources the soak reads and writes, by the start of their logical ids. */
function resourcesOf(cloud: LocalCloud) {
  const stack = cloud.stacks.find((candidate) => candidate.stackName === STACK);
  const find = (type: string, prefix: string): string => {
    const found = [...(stack?.resources.values() ?? [])].find(
      (resource) => resource.type === type && resource.logicalId.startsWith(prefix),
    );
    if (!found) {
      throw new Error(`No ${type} ${prefix}* in ${STACK}`);
    }
    return found.physicalId;
  };
  const queue = (prefix: string) => find('AWS::SQS::Queue', prefix);
  const table = (prefix: string) => find('AWS::DynamoDB::Table', prefix);
  const subscribers = ['Accounting', 'Shipping', 'Analytics'].map((name) => ({
    name: name.toLowerCase(),
    queue: queue(`PubSub${name}Queue`),
    deadLetters: queue(`PubSub${name}DeadLettersQueue`),
  }));
  return {
    orderQueue: queue('MessageQueueOrderQueue'),
    orderDeadLetters: queue('MessageQueueDeadLetterQueue'),
    orderStatuses: table('MessageQueueOrderStatusesTable'),
    receipts: find('AWS::S3::Bucket', 'MessageQueueReceiptsBucket'),
    stream: find('AWS::Kinesis::Stream', 'MessageStreamEvents'),
    streamFailures: queue('MessageStreamConsumerFailures'),
    stats: table('MessageStreamProductStatsTable'),
    topic: find('AWS::SNS::Topic', 'PubSubOrderEvents'),
    subscribers,
    deliveries: table('PubSubDeliveriesTable'),
    filesBucket: find('AWS::S3::Bucket', 'FileDropFilesBucket'),
    fileRecords: table('FileDropFileRecordsTable'),
    fileFailures: queue('FileDropProcessorFailures'),
  };
}

async function main(): Promise<void> {
  const settings = settingsFromArgs();
  if (!settings) {
    return;
  }
  const deadline = performance.now() + settings.minutes * 60_000;
  const counts = {
    orders: Math.max(1, Math.round(FULL_SCALE.orders * settings.scale)),
    events: Math.max(1, Math.round(FULL_SCALE.events * settings.scale)),
    publications: Math.max(1, Math.round(FULL_SCALE.publications * settings.scale)),
    files: Math.max(2, Math.round(FULL_SCALE.files * settings.scale)),
  };
  const faults = new FaultInjector({ seed: settings.seed, rules: faultRules(settings.errorRate) });
  console.log(
    `Soak: ${counts.orders} orders, ${counts.events} events, ${counts.publications} publications, ${counts.files} files; ` +
      `${Math.round(settings.errorRate * 100)}% of invocations failing (seed ${faults.seed})`,
  );

  await rm(STATE, { recursive: true, force: true });
  await mkdir(STATE, { recursive: true });
  const assemblyDirectory = path.join(STATE, 'cdk.out');
  console.log('Synthesizing');
  await synthesize({ outputDirectory: assemblyDirectory });
  console.log('Booting the local cloud');
  const cloud = await startLocalCloud({
    assemblyDirectory,
    stateDirectory: STATE,
    port: 0,
    faults,
    persistDynamoDb: settings.killDynamoDbAfterSeconds > 0,
    log: (line) => {
      if (/DynamoDB Local/.test(line) && /Killing|back/.test(line)) {
        console.log(`  ${line}`);
      }
    },
  });
  const endpoints = cloud.emulatorEndpoints;
  const clientConfig = (endpoint: string | undefined) => ({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const sqs = new SQSClient(clientConfig(endpoints.AWS_ENDPOINT_URL_SQS));
  const sns = new SNSClient(clientConfig(endpoints.AWS_ENDPOINT_URL_SNS));
  const s3 = new S3Client({ ...clientConfig(endpoints.AWS_ENDPOINT_URL_S3), forcePathStyle: true });
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient(clientConfig(endpoints.AWS_ENDPOINT_URL_DYNAMODB)),
  );
  const kinesis = kinesisClient(String(endpoints.AWS_ENDPOINT_URL_KINESIS), LOCAL_REGION, LOCAL_CREDENTIALS);
  let holds = false;
  try {
    const outputs = cloud.outputs[STACK] ?? {};
    const api = new ApiClient(String(outputs.ApiUrl), String(outputs.ApiKey));
    const resources = resourcesOf(cloud);
    const run = `soak${Date.now().toString(36)}`;
    const poison = (index: number) => `${run}-poison-${index}`;
    const isPoison = (text: string) => text.includes(`${run}-poison-`);

    // Load, with faults.
    const started = performance.now();
    const orderIds = Array.from({ length: counts.orders }, (_, index) => `${run}-order-${index}`);
    const events = productEvents(run, counts.events);
    const publications = Array.from({ length: counts.publications }, (_, index) => ({
      orderId: `${run}-published-${index}`,
      ships: index % 2 === 0,
    }));
    const pdf = await readFile(path.join(PROJECT_ROOT, 'examples', 'invoice.pdf'));
    const fakePdf = new TextEncoder().encode('not a PDF at all, only its name says so\n');
    const fileIndexes = Array.from({ length: counts.files }, (_, index) => index);
    const fileIds = new Map<string, 'PROCESSED' | 'REJECTED'>();
    const poisonSent = { queue: 0, stream: 0, pubsub: 0 };
    let restart: Promise<void> = Promise.resolve();
    const killTimer =
      settings.killDynamoDbAfterSeconds > 0
        ? setTimeout(() => {
            restart = cloud.restartEmulator('dynamodb', DYNAMODB_DOWN_MS);
          }, settings.killDynamoDbAfterSeconds * 1_000)
        : undefined;
    await Promise.all([
      inParallel([...orderIds.entries()], 8, async ([index, orderId]) => {
        await withRetries('queue', 202, () =>
          api.call('queue/orders', { method: 'POST', body: soakOrder(orderId, index) }),
        );
      }),
      sendEvents(api, events, 2),
      inParallel(publications, 4, async ({ orderId, ships }) => {
        const body = { ...soakOrder(orderId, 0), ...(ships ? { shipTo: shippingAddress } : {}) };
        await withRetries('pubsub', 202, () => api.call('events/orders', { method: 'POST', body }));
      }),
      inParallel(fileIndexes, 3, async (index) => {
        // One file in ten only claims to be a PDF: the processor must quarantine it (REJECTED), once.
        const fake = index % 10 === 9;
        const fileId = await dropFile(api, `${run}-file-${index}.pdf`, fake ? fakePdf : pdf);
        fileIds.set(fileId, fake ? 'REJECTED' : 'PROCESSED');
      }),
      (async () => {
        for (let index = 0; index < POISON_PER_CHANNEL; index++) {
          // Half not JSON at all, half JSON of the wrong shape.
          const body =
            index % 2 === 0
              ? `not json: ${poison(index)}`
              : JSON.stringify({ orderId: poison(index), lines: 'none' });
          await sqs.send(new SendMessageCommand({ QueueUrl: resources.orderQueue, MessageBody: body }));
          poisonSent.queue++;
          await kinesis.send(
            new PutRecordCommand({
              StreamName: resources.stream,
              PartitionKey: poison(index),
              Data: new TextEncoder().encode(
                index % 2 === 0
                  ? `not json: ${poison(index)}`
                  : JSON.stringify({ eventId: poison(index), sku: 7 }),
              ),
            }),
          );
          poisonSent.stream++;
          await sns.send(
            new PublishCommand({ TopicArn: resources.topic, Message: `not json: ${poison(index)}` }),
          );
          poisonSent.pubsub++;
        }
      })(),
    ]);
    clearTimeout(killTimer);
    await restart;
    console.log(
      `Load sent in ${((performance.now() - started) / 1000).toFixed(0)} s; client retries ${JSON.stringify(clientRetries)}`,
    );

    const expectedDeliveries = publications.flatMap(({ orderId, ships }) => [
      `${orderId}|accounting`,
      `${orderId}|analytics`,
      ...(ships ? [`${orderId}|shipping`] : []),
    ]);
    const wantStats = expectedStats(events);

    /** Reads what the consumers have left behind so far. */
    const observe = async () => {
      const [statuses, receipts, stats, deliveries, records, incoming] = await Promise.all([
        scanAll(documents, resources.orderStatuses),
        listKeys(s3, resources.receipts, ''),
        scanAll(documents, resources.stats),
        scanAll(documents, resources.deliveries),
        scanAll(documents, resources.fileRecords),
        listKeys(s3, resources.filesBucket, 'incoming/'),
      ]);
      const done = new Set(
        statuses.filter((item) => item.status === 'DONE').map((item) => String(item.orderId)),
      );
      const receiptOf = new Set(receipts.map((key) => key.split('/')[1] ?? ''));
      const haveStats = new Map<string, SkuCounts>(
        stats
          .filter((item) => String(item.sku).startsWith(run))
          .map((item) => [
            String(item.sku),
            {
              views: Number(item.views ?? 0),
              reviews: Number(item.reviews ?? 0),
              ratingSum: Number(item.ratingSum ?? 0),
              purchases: Number(item.purchases ?? 0),
              units: Number(item.units ?? 0),
            },
          ]),
      );
      const outcome = new Map(records.map((item) => [String(item.fileId), String(item.status)]));
      return {
        queue: tally(
          orderIds,
          orderIds.filter((id) => done.has(id) && receiptOf.has(id)),
        ),
        stream: compareStats(wantStats, haveStats),
        pubsub: tally(
          expectedDeliveries,
          deliveries.map((item) => `${String(item.orderId)}|${String(item.subscriber)}`),
        ),
        files: tally(
          fileIds.keys(),
          [...fileIds].filter(([fileId, want]) => outcome.get(fileId) === want).map(([fileId]) => fileId),
        ),
        statuses,
        incoming: incoming.filter((key) =>
          [...fileIds.keys()].some((fileId) => key.startsWith(`incoming/${fileId}/`)),
        ),
      };
    };
    const sourceQueues = [
      resources.orderQueue,
      ...resources.subscribers.map((subscriber) => subscriber.queue),
    ];
    const settle = async (phase: string, untilEmpty: boolean) => {
      let last = '';
      let quietSince = performance.now();
      for (;;) {
        const seen = await observe();
        const inFlight = (await Promise.all(sourceQueues.map((url) => queueDepth(sqs, url)))).reduce(
          (a, b) => a + b,
          0,
        );
        const progress =
          `queue ${seen.queue.once}/${orderIds.length} DONE, stream ${events.length - seen.stream.missingEvents}/${events.length} applied, ` +
          `pub/sub ${seen.pubsub.once}/${expectedDeliveries.length} deliveries, files ${seen.files.once}/${fileIds.size}, ` +
          `${inFlight} message(s) queued`;
        if (progress !== last) {
          console.log(`  [${phase} ${((performance.now() - started) / 1000).toFixed(0)} s] ${progress}`);
          last = progress;
          quietSince = performance.now();
        }
        const complete =
          seen.queue.missing === 0 &&
          seen.stream.missingEvents === 0 &&
          seen.pubsub.missing === 0 &&
          seen.files.missing === 0;
        // Under faults it is enough that every good item is through (poison may still be on its way to its
        // dead-letter queue). The last settling waits for every source queue to be empty and then for a quiet
        // spell: replayed stream poison is retried where no queue shows it, before it reaches its failure queue.
        const quiet = performance.now() - quietSince > QUIET_MS;
        if (untilEmpty ? inFlight === 0 && quiet : complete || (inFlight === 0 && quiet)) {
          return;
        }
        if (performance.now() > deadline) {
          throw new Error(`The soak did not settle within ${settings.minutes} minutes`);
        }
        await sleep(POLL_MS);
      }
    };
    await settle('with faults', false);

    // The cause is fixed: stop the faults, then recover what was parked, as an operator would.
    faults.pause();
    const redriven = { queue: 0, pubsub: 0, streamBatches: 0, files: 0 };
    redriven.queue = await redriveDeadLetters(sqs, {
      from: resources.orderDeadLetters,
      to: resources.orderQueue,
    });
    for (const subscriber of resources.subscribers) {
      redriven.pubsub += await redriveDeadLetters(sqs, {
        from: subscriber.deadLetters,
        to: subscriber.queue,
      });
    }
    await drainQueue(sqs, resources.streamFailures, async (message) => {
      const batch = (JSON.parse(message.Body ?? '{}') as { KinesisBatchInfo?: StreamBatchInfo })
        .KinesisBatchInfo;
      // A record the consumer set aside itself (a reused event id) would be set aside again: only batches replay.
      if (batch) {
        await replayRecords(kinesis, resources.stream, await recordsOf(kinesis, resources.stream, batch));
        redriven.streamBatches++;
      }
    });
    await drainQueue(sqs, resources.fileFailures, async (message) => {
      const payload = JSON.parse(message.Body ?? '{}') as {
        requestPayload?: { Records?: Array<{ s3: { bucket: { name: string }; object: { key: string } } }> };
      };
      for (const record of payload.requestPayload?.Records ?? []) {
        const key = decodeURIComponent(record.s3.object.key.replaceAll('+', ' '));
        if (await renotify(s3, record.s3.bucket.name, key)) {
          redriven.files++;
        }
      }
    });
    console.log(`Faults stopped; recovered ${JSON.stringify(redriven)}`);
    await settle('recovery', true);

    // Accounting.
    const seen = await observe();
    const orderDeadLetters = await peekQueue(sqs, resources.orderDeadLetters);
    const subscriberDeadLetters = (
      await Promise.all(resources.subscribers.map((subscriber) => peekQueue(sqs, subscriber.deadLetters)))
    ).flat();
    const streamParked: string[] = [];
    const streamGoodParked: string[] = [];
    for (const body of await peekQueue(sqs, resources.streamFailures)) {
      const message = JSON.parse(body) as {
        KinesisBatchInfo?: StreamBatchInfo;
        rejectedRecord?: { data: string };
      };
      const parked = message.KinesisBatchInfo
        ? (await recordsOf(kinesis, resources.stream, message.KinesisBatchInfo)).map((record) =>
            new TextDecoder().decode(record.Data),
          )
        : [Buffer.from(message.rejectedRecord?.data ?? '', 'base64').toString('utf8')];
      for (const data of parked) {
        if (isPoison(data)) {
          streamParked.push(data);
        } else {
          streamGoodParked.push(data);
        }
      }
    }
    const fileFailures = await peekQueue(sqs, resources.fileFailures);
    const distinct = (items: string[]) =>
      new Set(items.filter(isPoison).map((text) => /poison-\d+/.exec(text)?.[0])).size;
    const rows: AccountRow[] = [
      {
        pattern: 'message queue',
        sent: orderIds.length,
        appliedOnce: seen.queue.once,
        missing: seen.queue.missing,
        appliedTwice: seen.queue.twice,
        poisonSent: poisonSent.queue,
        poisonParked: distinct(orderDeadLetters),
        goodParked: orderDeadLetters.filter((body) => !isPoison(body)).length,
      },
      {
        pattern: 'message stream',
        sent: events.length,
        appliedOnce: events.length - seen.stream.missingEvents - seen.stream.extraEvents,
        missing: seen.stream.missingEvents,
        appliedTwice: seen.stream.extraEvents,
        poisonSent: poisonSent.stream,
        poisonParked: distinct(streamParked),
        // A good record in a parked batch is lost only if its event was never applied.
        goodParked: seen.stream.missingEvents > 0 ? streamGoodParked.length : 0,
      },
      {
        pattern: 'publish/subscribe',
        sent: expectedDeliveries.length,
        appliedOnce: seen.pubsub.once,
        missing: seen.pubsub.missing,
        appliedTwice: seen.pubsub.twice,
        poisonSent: poisonSent.pubsub,
        poisonParked: distinct(subscriberDeadLetters),
        goodParked: subscriberDeadLetters.filter((body) => !isPoison(body)).length,
      },
      {
        pattern: 'file drop',
        sent: fileIds.size,
        appliedOnce: seen.files.once,
        missing: seen.files.missing,
        appliedTwice: seen.files.twice,
        poisonSent: 0,
        poisonParked: 0,
        goodParked: fileFailures.length + seen.incoming.length,
      },
    ];
    holds = rows.every(rowHolds);
    const logicalIds = new Map(
      [...(cloud.stacks.find((stack) => stack.stackName === STACK)?.resources.values() ?? [])].map(
        (resource) => [resource.physicalId, resource.logicalId.replace(/Function[0-9A-F]{8}$/, '')],
      ),
    );
    const injected = [...faults.report()].map(([name, count]) => ({
      function: logicalIds.get(name) ?? name,
      ...count,
    }));
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nAccounting after ${seconds.toFixed(0)} s (seed ${faults.seed}):\n`);
    console.log(formatAccounts(rows));
    console.log('\nInjected faults, by function:');
    console.table(injected);
    console.log(`Client retries after a 5xx: ${JSON.stringify(clientRetries)}`);
    console.log(`Recovered after the faults stopped: ${JSON.stringify(redriven)}`);
    await writeFile(
      path.join(STATE, 'soak-results.json'),
      `${JSON.stringify({ settings, seed: faults.seed, seconds, rows, injected, clientRetries, redriven }, null, 2)}\n`,
    );
    console.log(
      holds
        ? '\nNothing lost, nothing applied twice.'
        : '\nThe accounting does not balance: see FAILED rows.',
    );
  } finally {
    sqs.destroy();
    sns.destroy();
    s3.destroy();
    documents.destroy();
    kinesis.destroy();
    await cloud.stop();
  }
  process.exitCode = holds ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
