import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { EmulatorError } from './emulators/emulator-error.ts';
import type { FauxqsEmulator } from './emulators/local-emulators.ts';
import { AsyncInvocationQueue } from './lambda/async-invocation.ts';
import type { FaultInjector } from './lambda/fault-injection.ts';
import { LambdaHost } from './lambda/host.ts';
import { BucketNotifications } from './s3/bucket-notifications.ts';
import { localQueueUrl } from './sqs/queue-provider.ts';

/** Waits before the retries of a failed asynchronous invocation (Lambda waits about 1 and 2 minutes). */
export const LOCAL_ASYNC_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];

/** Backoff after a throttled asynchronous invocation (Lambda starts at 1 s and doubles up to 5 minutes). */
export const LOCAL_ASYNC_THROTTLE_BACKOFF_MS = { firstMs: 100, maxMs: 2_000 } as const;

/** What runs functions: the Lambda host, asynchronous invocations, and the S3 notifications that cause them. */
export interface FunctionRuntime {
  readonly host: LambdaHost;
  readonly asyncInvocations: AsyncInvocationQueue;
  readonly notifications: BucketNotifications;
  /** Stops the asynchronous invocations, then the host they run on. */
  close(): Promise<void>;
}

export interface FunctionRuntimeOptions {
  readonly region: string;
  readonly accountId: string;
  /** What every function's environment holds: the emulators' endpoints and the local credentials. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /** SQS and S3 for destinations and notifications, when the template uses them. */
  readonly fauxqs?: FauxqsEmulator;
  readonly faults?: FaultInjector;
  /** Each line a function or the runtime prints, by source. */
  readonly output: (source: string, line: string) => void;
}

/** Starts the Lambda host and what feeds it asynchronously; functions are registered as they are created. */
export function startFunctionRuntime(options: FunctionRuntimeOptions): FunctionRuntime {
  const { fauxqs, output } = options;
  const host = new LambdaHost({
    baseEnvironment: options.baseEnvironment,
    region: options.region,
    accountId: options.accountId,
    onLog: (functionName, line) => output(functionName, line),
    faults: options.faults,
  });
  // Retries wait 1 s and 2 s instead of Lambda's minute or two, and throttles at most 2 s, so a failing event
  // reaches its destination while one watches.
  const asyncInvocations = new AsyncInvocationQueue({
    invoker: host,
    retryDelaysMs: LOCAL_ASYNC_RETRY_DELAYS_MS,
    throttleBackoffMs: LOCAL_ASYNC_THROTTLE_BACKOFF_MS,
    sendMessage: (queueArn, body) => sendToQueue(fauxqs, queueArn, body),
    log: (line) => output('lambda-async', line),
  });
  const notifications = new BucketNotifications({
    region: options.region,
    ownerId: options.accountId,
    delivery: {
      invokeAsync: (functionArn, payload) => asyncInvocations.invokeAsync(functionArn, payload),
      sendMessage: (queueArn, body) => sendToQueue(fauxqs, queueArn, body),
    },
    objectDetails: (bucket, key) => objectDetails(fauxqs, bucket, key),
    log: (line) => output('s3-notifications', line),
  });
  return {
    host,
    asyncInvocations,
    notifications,
    close: async () => {
      // Asynchronous invocations (S3 notifications) stop before the host they run on.
      try {
        await asyncInvocations.close();
      } finally {
        await host.close();
      }
    },
  };
}

/** Sends a message to a queue on fauxqs, by the queue's ARN (`arn:aws:sqs:{region}:{account}:{name}`). */
async function sendToQueue(
  fauxqs: FauxqsEmulator | undefined,
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
  fauxqs: FauxqsEmulator | undefined,
  bucket: string,
  key: string,
): Promise<{ size: number; eTag: string }> {
  if (!fauxqs) {
    throw new EmulatorError(`s3://${bucket}/${key}: no S3 emulator is running`);
  }
  const head = await fauxqs.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { size: head.ContentLength ?? 0, eTag: (head.ETag ?? '').replaceAll('"', '') };
}
