import { randomUUID } from 'node:crypto';
import { type TypedCreateRequest, typedProvider } from '../cloudformation/resource-properties.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, ResourceProvider } from '../cloudformation/types.ts';
import {
  type BucketNotificationsProperties,
  bucketNotificationsProperties,
  type NotificationConfiguration,
  type NotificationEntry,
} from './properties.ts';

/**
 * S3 event notifications on the local cloud: the bucket configurations CDK writes through its
 * `Custom::S3BucketNotifications` resource, matched against the objects created and removed on fauxqs, and
 * delivered as S3 delivers them: one event (one record) per object and configuration, to Lambda asynchronously
 * or to an SQS queue. https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html
 */

/** Every event type a notification configuration may name. https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html */
export const S3_EVENT_TYPES: ReadonlySet<string> = new Set([
  's3:TestEvent',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/** The events the local cloud raises: what fauxqs's object writes and deletes amount to. */
export type LocalS3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/** One destination of a bucket: a Lambda function or an SQS queue, for some event types and keys. */
export interface NotificationTarget {
  /** The configuration's `Id`, or one S3 generates when the configuration has none. */
  readonly id: string;
  readonly destination: { readonly kind: 'lambda' | 'sqs'; readonly arn: string };
  /** Event types as configured, e.g. `s3:ObjectCreated:*`. */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * Reads a bucket's `NotificationConfiguration` (the S3 API's shape, which CDK passes through) and checks it as
 * PutBucketNotificationConfiguration does: known event types, `prefix` / `suffix` rules at most once each, and no
 * two configurations sharing an event type with overlapping key filters. SNS and EventBridge destinations are
 * refused, since the local cloud does not deliver to them yet.
 */
export function parseNotificationConfiguration(
  configuration: NotificationConfiguration | undefined,
  where: string,
): NotificationTarget[] {
  const config: NotificationConfiguration = configuration ?? {};
  const unsupported = ['TopicConfigurations', 'EventBridgeConfiguration'].filter(
    (name) => config[name] !== undefined,
  );
  if (unsupported.length > 0) {
    throw new TemplateError(
      `${where}: ${unsupported.join(' and ')} are not delivered by the local cloud yet; it delivers to Lambda functions and SQS queues`,
    );
  }
  const targets: NotificationTarget[] = [];
  const groups: Array<
    [
      'LambdaFunctionConfigurations' | 'QueueConfigurations',
      'lambda' | 'sqs',
      'LambdaFunctionArn' | 'QueueArn',
    ]
  > = [
    ['LambdaFunctionConfigurations', 'lambda', 'LambdaFunctionArn'],
    ['QueueConfigurations', 'sqs', 'QueueArn'],
  ];
  for (const [group, kind, arnProperty] of groups) {
    const entries = config[group] ?? [];
    entries.forEach((entry, index) => {
      const at = `${where}: ${group}[${index}]`;
      const arn = entry[arnProperty];
      if (typeof arn !== 'string' || arn === '') {
        throw new TemplateError(`${at} has no ${arnProperty}`);
      }
      const events = entry.Events ?? [];
      if (events.length === 0) {
        throw new TemplateError(`${at} names no Events`);
      }
      for (const event of events) {
        if (!S3_EVENT_TYPES.has(event)) {
          throw new TemplateError(`${at}: ${event} is not an S3 event type`);
        }
      }
      targets.push({
        id: entry.Id ?? generatedConfigurationId(),
        destination: { kind, arn },
        events,
        ...keyFilter(entry, at),
      });
    });
  }
  refuseOverlaps(targets, where);
  return targets;
}

function keyFilter(entry: NotificationEntry, at: string): { prefix: string; suffix: string } {
  const filter = { prefix: '', suffix: '' };
  const seen = new Set<string>();
  for (const rule of entry.Filter?.Key?.FilterRules ?? []) {
    // S3 takes the rule names in any case; CDK writes them in lower case.
    const name = rule.Name.toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') {
      throw new TemplateError(`${at}: filter rule ${rule.Name} is not prefix or suffix`);
    }
    if (seen.has(name)) {
      throw new TemplateError(`${at}: the ${name} filter rule appears more than once`);
    }
    seen.add(name);
    filter[name] = rule.Value;
  }
  return filter;
}

/**
 * S3 refuses configurations that could both fire for one object: a shared event type (a wildcard covers its
 * members) and prefixes and suffixes where one extends the other ("Configurations overlap").
 */
function refuseOverlaps(targets: readonly NotificationTarget[], where: string): void {
  targets.forEach((a, i) => {
    for (const b of targets.slice(i + 1)) {
      const sharedEvent = a.events.some((x) =>
        b.events.some((y) => eventMatches(x, y) || eventMatches(y, x)),
      );
      const prefixesOverlap = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
      const suffixesOverlap = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
      if (sharedEvent && prefixesOverlap && suffixesOverlap) {
        throw new TemplateError(
          `${where}: configurations ${a.id} and ${b.id} overlap (same event type, overlapping prefix and suffix), which S3 refuses`,
        );
      }
    }
  });
}

/** S3 gives a configuration without an `Id` a generated one. */
function generatedConfigurationId(): string {
  return Buffer.from(randomUUID()).toString('base64');
}

/**
 * Whether a configured event type covers an event: `s3:ObjectCreated:*` covers every `ObjectCreated` event;
 * other types cover only themselves. `eventName` may carry the `s3:` prefix or not (records do not).
 */
export function eventMatches(configured: string, eventName: string): boolean {
  const name = eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
  return configured.endsWith(':*') ? name.startsWith(configured.slice(0, -1)) : configured === name;
}

/** Whether a target fires for this event on this (decoded) key. */
export function targetMatches(target: NotificationTarget, eventName: string, key: string): boolean {
  return (
    target.events.some((configured) => eventMatches(configured, eventName)) &&
    key.startsWith(target.prefix) &&
    key.endsWith(target.suffix)
  );
}

/**
 * The key as S3 writes it into an event: URL-encoded as an HTML form value (a space is `+`, a `+` is `%2B`,
 * UTF-8 bytes percent-encoded), with `/` left as is. Consumers decode with `+` -> space, then percent-decoding.
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** What happened to one object, as the S3 request that did it tells. */
export interface ObjectEvent {
  readonly eventName: LocalS3EventName;
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** Size and ETag of the created object (ETag without quotes); absent for removals. */
  readonly object?: { readonly size: number; readonly eTag: string };
  readonly requestId: string;
  readonly hostId: string;
  readonly sourceIp: string;
  /** Who made the request: `AWS:{access key id}` locally, since no IAM identity is resolved. */
  readonly principalId: string;
  readonly time: Date;
  /** Hexadecimal, increasing for later events on the same key. */
  readonly sequencer: string;
}

/** An object event as the request tells it: everything but the object's size and ETag. */
export type ObjectRequestEvent = Omit<ObjectEvent, 'object'>;

/** One S3 event message (`Records` of one record), event structure version 2.1. https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html */
export function s3EventMessage(
  event: ObjectEvent,
  configurationId: string,
  region: string,
  ownerId: string,
): { Records: object[] } {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: event.time.toISOString(),
        eventName: event.eventName,
        userIdentity: { principalId: event.principalId },
        requestParameters: { sourceIPAddress: event.sourceIp },
        responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': event.hostId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId,
          bucket: {
            name: event.bucket,
            ownerIdentity: { principalId: ownerId },
            arn: `arn:aws:s3:::${event.bucket}`,
          },
          // No versionId: versioning is not emulated, and S3 leaves it out for unversioned buckets.
          object: {
            key: encodeEventKey(event.key),
            ...(event.object ? { size: event.object.size, eTag: event.object.eTag } : {}),
            sequencer: event.sequencer,
          },
        },
      },
    ],
  };
}

/** Where notifications go: Lambda's asynchronous invoke, and SQS's SendMessage. */
export interface NotificationDelivery {
  invokeAsync(functionArn: string, payload: string): Promise<void>;
  sendMessage(queueArn: string, body: string): Promise<void>;
}

export interface BucketNotificationsOptions {
  readonly delivery: NotificationDelivery;
  readonly region: string;
  /** The bucket owner's id in events (the local account). */
  readonly ownerId: string;
  /** The size and ETag (unquoted, as events carry it) of a created object. */
  readonly objectDetails: (bucket: string, key: string) => Promise<{ size: number; eTag: string }>;
  readonly log?: (line: string) => void;
}

/** The notification configurations of every bucket, and their delivery. */
export class BucketNotifications {
  private readonly targets = new Map<string, readonly NotificationTarget[]>();
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly options: BucketNotificationsOptions) {}

  /**
   * Replaces a bucket's configuration. As S3 does on PutBucketNotificationConfiguration, each new queue
   * destination receives an `s3:TestEvent`.
   */
  async configure(bucket: string, targets: readonly NotificationTarget[]): Promise<void> {
    this.targets.set(bucket, targets);
    for (const target of targets.filter((t) => t.destination.kind === 'sqs')) {
      const testEvent = {
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: bucket,
        RequestId: randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase(),
        HostId: 'local',
      };
      await this.options.delivery.sendMessage(target.destination.arn, JSON.stringify(testEvent));
    }
  }

  /**
   * Sends the event to every matching destination of its bucket; never throws (a failed delivery is logged). The
   * created object's size and ETag are looked up only when some destination wants the event.
   */
  notify(request: ObjectRequestEvent): void {
    const targets = (this.targets.get(request.bucket) ?? []).filter((target) =>
      targetMatches(target, request.eventName, request.key),
    );
    if (targets.length === 0) {
      return;
    }
    const where = `S3 notification ${request.eventName} for s3://${request.bucket}/${request.key}`;
    const delivery = (async () => {
      const event: ObjectEvent = request.eventName.startsWith('ObjectCreated:')
        ? { ...request, object: await this.options.objectDetails(request.bucket, request.key) }
        : request;
      await Promise.all(
        targets.map(async (target) => {
          const message = JSON.stringify(
            s3EventMessage(event, target.id, this.options.region, this.options.ownerId),
          );
          const { kind, arn } = target.destination;
          await (kind === 'lambda'
            ? this.options.delivery.invokeAsync(arn, message)
            : this.options.delivery.sendMessage(arn, message)
          ).catch((error: unknown) => this.options.log?.(`${where} to ${arn} failed: ${String(error)}`));
        }),
      );
    })()
      .catch((error: unknown) => this.options.log?.(`${where}: ${String(error)}`))
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  /** Resolves once every notification sent so far has been handed to its destination. */
  async delivered(): Promise<void> {
    while (this.deliveries.size > 0) {
      await Promise.all([...this.deliveries]);
    }
  }
}

/**
 * `Custom::S3BucketNotifications`, the resource CDK configures bucket notifications with (its handler function,
 * Python, is not run: the local cloud applies the configuration itself). Physical id: `{bucket}-notifications`.
 * An update replaces the bucket's configuration, as PutBucketNotificationConfiguration does (for another bucket,
 * the new physical id has the old bucket's configuration removed in the cleanup); a delete removes it.
 */
export function bucketNotificationsProvider(notifications: BucketNotifications): ResourceProvider {
  const configure = async (
    request: TypedCreateRequest<BucketNotificationsProperties>,
  ): Promise<CreatedResource> => {
    const where = `Resource ${request.logicalId}`;
    const bucket = request.properties.BucketName;
    const targets = parseNotificationConfiguration(request.properties.NotificationConfiguration, where);
    await notifications.configure(bucket, targets);
    return { physicalId: `${bucket}-notifications` };
  };
  return typedProvider(bucketNotificationsProperties, {
    create: configure,
    update: configure,
    async delete(request) {
      const bucket = request.properties.BucketName;
      if (typeof bucket === 'string') {
        await notifications.configure(bucket, []);
      }
    },
  });
}
