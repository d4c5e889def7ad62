import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { decodeEventKey } from '../../../../lambda/domain/file-drop.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';
import {
  BucketNotifications,
  encodeEventKey,
  type NotificationTarget,
  type ObjectEvent,
  parseNotificationConfiguration,
  s3EventMessage,
  targetMatches,
} from '../../src/s3/bucket-notifications.ts';
import { type NotificationConfiguration, notificationConfiguration } from '../../src/s3/properties.ts';

/** Stands in for deployment: every `Fn::GetAtt [X, Arn]` becomes an ARN that names X. */
function resolveArns(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(resolveArns);
  }
  if (value && typeof value === 'object') {
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) {
      return `arn:fixture:${getAtt[0]}`;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveArns(v)]));
  }
  return value;
}

/** Synthesizes a bucket with notifications as CDK configures them, and reads the configuration back. */
function fixtureTargets(configure: (bucket: s3.Bucket, stack: Stack) => void): NotificationTarget[] {
  const stack = new Stack(new App(), 'Fixture');
  configure(new s3.Bucket(stack, 'Bucket'), stack);
  const resources = Template.fromStack(stack).findResources('Custom::S3BucketNotifications');
  const [resource] = Object.values(resources) as Array<{
    Properties: { NotificationConfiguration: unknown };
  }>;
  // CDK's configuration, resolved, must fit the schema the provider checks it with.
  return parseNotificationConfiguration(
    notificationConfiguration.parse(resolveArns(resource?.Properties.NotificationConfiguration)),
    'Fixture',
  );
}

function fn(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
}

/** The destinations (by logical id prefix) a key's event reaches. */
function reached(targets: readonly NotificationTarget[], eventName: string, key: string): string[] {
  return targets
    .filter((target) => targetMatches(target, eventName, key))
    .map((target) => target.destination.arn.replace(/^arn:fixture:/, '').replace(/[0-9A-F]{8}$/, ''));
}

// Synthesizing a CDK stack (and loading aws-cdk-lib the first time) takes seconds on a busy machine.
describe('S3 notification filters, read from templates CDK synthesizes', { timeout: 30_000 }, () => {
  it('matches the file drop configuration: every ObjectCreated event under incoming/', () => {
    const targets = fixtureTargets((bucket, stack) =>
      bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED,
        new s3n.LambdaDestination(fn(stack, 'Processor')),
        {
          prefix: 'incoming/',
        },
      ),
    );
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ events: ['s3:ObjectCreated:*'], prefix: 'incoming/', suffix: '' });
    for (const eventName of [
      'ObjectCreated:Put',
      'ObjectCreated:Copy',
      'ObjectCreated:CompleteMultipartUpload',
    ]) {
      expect(reached(targets, eventName, 'incoming/id/a.pdf')).toEqual(['Processor']);
    }
    expect(reached(targets, 'ObjectRemoved:Delete', 'incoming/id/a.pdf')).toEqual([]);
    expect(reached(targets, 'ObjectCreated:Put', 'processed/id/a.pdf')).toEqual([]);
    // A prefix is a plain string prefix, not a folder: case and the trailing slash count.
    expect(reached(targets, 'ObjectCreated:Put', 'Incoming/id/a.pdf')).toEqual([]);
    expect(reached(targets, 'ObjectCreated:Put', 'incoming')).toEqual([]);
  });

  it('applies prefix and suffix together, and event types exactly', () => {
    const targets = fixtureTargets((bucket, stack) => {
      bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED_PUT,
        new s3n.LambdaDestination(fn(stack, 'Csv')),
        {
          prefix: 'reports/',
          suffix: '.csv',
        },
      );
      bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED_COMPLETE_MULTIPART_UPLOAD,
        new s3n.LambdaDestination(fn(stack, 'Big')),
        { prefix: 'reports/' },
      );
      bucket.addEventNotification(
        s3.EventType.OBJECT_REMOVED,
        new s3n.SqsDestination(new sqs.Queue(stack, 'Removed')),
        { suffix: '.pdf' },
      );
    });
    expect(targets.map((t) => t.destination.kind)).toEqual(['lambda', 'lambda', 'sqs']);
    expect(reached(targets, 'ObjectCreated:Put', 'reports/2026/q4.csv')).toEqual(['Csv']);
    expect(reached(targets, 'ObjectCreated:Copy', 'reports/2026/q4.csv')).toEqual([]);
    expect(reached(targets, 'ObjectCreated:Put', 'reports/2026/q4.CSV')).toEqual([]);
    expect(reached(targets, 'ObjectCreated:Put', 'other/q4.csv')).toEqual([]);
    expect(reached(targets, 'ObjectCreated:CompleteMultipartUpload', 'reports/big.csv')).toEqual(['Big']);
    expect(reached(targets, 'ObjectRemoved:Delete', 'any/where/a.pdf')).toEqual(['Removed']);
    expect(reached(targets, 'ObjectRemoved:DeleteMarkerCreated', 'a.pdf')).toEqual(['Removed']);
    expect(reached(targets, 'ObjectRemoved:Delete', 'a.pdf.txt')).toEqual([]);
  });

  it('gives every configuration an id, as S3 does when the template sets none', () => {
    const targets = fixtureTargets((bucket, stack) => {
      bucket.addObjectCreatedNotification(new s3n.LambdaDestination(fn(stack, 'A')), { prefix: 'a/' });
      bucket.addObjectCreatedNotification(new s3n.LambdaDestination(fn(stack, 'B')), { prefix: 'b/' });
    });
    expect(new Set(targets.map((t) => t.id)).size).toBe(2);
    expect(targets.every((t) => t.id.length > 0)).toBe(true);
  });
});

describe('parseNotificationConfiguration refuses what S3 refuses', () => {
  const lambdaConfig = (events: string[], rules: Array<{ Name: string; Value: string }> = []) => ({
    LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    Events: events,
    Filter: { Key: { FilterRules: rules } },
  });
  const parse = (configuration: NotificationConfiguration) => () =>
    parseNotificationConfiguration(configuration, 'Resource N');

  it('an unknown event type', () => {
    expect(parse({ LambdaFunctionConfigurations: [lambdaConfig(['s3:ObjectCreated:Upload'])] })).toThrow(
      /s3:ObjectCreated:Upload is not an S3 event type/,
    );
  });

  it('a filter rule that is not prefix or suffix, or one given twice', () => {
    expect(
      parse({
        LambdaFunctionConfigurations: [lambdaConfig(['s3:ObjectCreated:*'], [{ Name: 'glob', Value: '*' }])],
      }),
    ).toThrow(/filter rule glob is not prefix or suffix/);
    expect(
      parse({
        LambdaFunctionConfigurations: [
          lambdaConfig(
            ['s3:ObjectCreated:*'],
            [
              { Name: 'prefix', Value: 'a/' },
              { Name: 'Prefix', Value: 'b/' },
            ],
          ),
        ],
      }),
    ).toThrow(/prefix filter rule appears more than once/);
  });

  it('two configurations that could fire for one object, but not disjoint ones', () => {
    const overlapping = {
      LambdaFunctionConfigurations: [
        lambdaConfig(['s3:ObjectCreated:*'], [{ Name: 'prefix', Value: 'in/' }]),
        lambdaConfig(['s3:ObjectCreated:Put'], [{ Name: 'prefix', Value: 'in/sub/' }]),
      ],
    };
    expect(parse(overlapping)).toThrow(TemplateError);
    expect(parse(overlapping)).toThrow(/overlap/);
    const disjoint = {
      LambdaFunctionConfigurations: [
        lambdaConfig(['s3:ObjectCreated:*'], [{ Name: 'prefix', Value: 'in/' }]),
        lambdaConfig(['s3:ObjectCreated:Put'], [{ Name: 'prefix', Value: 'out/' }]),
        lambdaConfig(['s3:ObjectRemoved:*'], [{ Name: 'prefix', Value: 'in/' }]),
        lambdaConfig(['s3:ObjectCreated:Copy'], [{ Name: 'suffix', Value: '.csv' }]),
        lambdaConfig(['s3:ObjectCreated:Copy'], [{ Name: 'suffix', Value: '.pdf' }]),
      ],
    };
    // The first and the fourth share Copy with an empty prefix and suffix on one side: they overlap.
    expect(parse(disjoint)).toThrow(/overlap/);
    disjoint.LambdaFunctionConfigurations.splice(3, 2);
    expect(parse(disjoint)()).toHaveLength(3);
  });

  it('destinations the local cloud does not deliver to, and configurations without a destination', () => {
    expect(
      parse({
        TopicConfigurations: [{ TopicArn: 'arn:aws:sns:us-east-1:0:t', Events: ['s3:ObjectCreated:*'] }],
      }),
    ).toThrow(/TopicConfigurations are not delivered by the local cloud yet/);
    expect(parse({ EventBridgeConfiguration: {} })).toThrow(/EventBridgeConfiguration/);
    expect(parse({ QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'] }] })).toThrow(/has no QueueArn/);
    expect(parse({ LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'arn', Events: [] }] })).toThrow(
      /names no Events/,
    );
  });
});

describe('S3 event keys', () => {
  it.each([
    ['incoming/id/plain.pdf', 'incoming/id/plain.pdf'],
    ['incoming/id/two words.pdf', 'incoming/id/two+words.pdf'],
    ['incoming/id/a+b.csv', 'incoming/id/a%2Bb.csv'],
    ['incoming/id/100% sure.json', 'incoming/id/100%25+sure.json'],
    ['incoming/id/Übersicht – März.pdf', 'incoming/id/%C3%9Cbersicht+%E2%80%93+M%C3%A4rz.pdf'],
    ['incoming/id/copy (1).pdf', 'incoming/id/copy+%281%29.pdf'],
  ])('%s is sent as %s, and decodes back', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeEventKey(encodeEventKey(key))).toBe(key);
  });
});

const EVENT: ObjectEvent = {
  eventName: 'ObjectCreated:Put',
  bucket: 'files',
  key: 'incoming/id/a b.pdf',
  object: { size: 1234, eTag: '0123456789abcdef0123456789abcdef' },
  requestId: 'C3D13FE58DE4C810',
  hostId: 'local',
  sourceIp: '127.0.0.1',
  principalId: 'AWS:local',
  time: new Date('2026-11-22T10:00:00.123Z'),
  sequencer: '00019AAB5B3D7B0000',
};

describe('s3EventMessage', () => {
  it('is the documented event structure, one record per event', () => {
    expect(s3EventMessage(EVENT, 'config-1', 'us-east-1', '000000000000')).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          eventTime: '2026-11-22T10:00:00.123Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'AWS:local' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'local' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'config-1',
            bucket: {
              name: 'files',
              ownerIdentity: { principalId: '000000000000' },
              arn: 'arn:aws:s3:::files',
            },
            object: {
              key: 'incoming/id/a+b.pdf',
              size: 1234,
              eTag: '0123456789abcdef0123456789abcdef',
              sequencer: '00019AAB5B3D7B0000',
            },
          },
        },
      ],
    });
  });

  it('has no size or eTag for a removal', () => {
    const { object, ...removal } = EVENT;
    const message = s3EventMessage(
      { ...removal, eventName: 'ObjectRemoved:Delete' },
      'c',
      'us-east-1',
      '0',
    ) as {
      Records: Array<{ s3: { object: object } }>;
    };
    expect(message.Records[0]?.s3.object).toEqual({ key: 'incoming/id/a+b.pdf', sequencer: EVENT.sequencer });
  });
});

describe('BucketNotifications', () => {
  function recording() {
    const sent: Array<{ to: string; kind: string; body: unknown }> = [];
    const lookedUp: string[] = [];
    const notifications = new BucketNotifications({
      region: 'us-east-1',
      ownerId: '000000000000',
      objectDetails: async (bucket, key) => {
        lookedUp.push(`${bucket}/${key}`);
        return { size: 1234, eTag: '0123456789abcdef0123456789abcdef' };
      },
      delivery: {
        invokeAsync: async (to, payload) => {
          sent.push({ to, kind: 'lambda', body: JSON.parse(payload) });
        },
        sendMessage: async (to, body) => {
          sent.push({ to, kind: 'sqs', body: JSON.parse(body) });
        },
      },
    });
    return { sent, lookedUp, notifications };
  }
  const target = (arn: string, kind: 'lambda' | 'sqs', prefix = ''): NotificationTarget => ({
    id: `id-${arn}`,
    destination: { kind, arn },
    events: ['s3:ObjectCreated:*'],
    prefix,
    suffix: '',
  });

  it('sends each matching destination its own event, and queues an s3:TestEvent when configured', async () => {
    const { sent, lookedUp, notifications } = recording();
    await notifications.configure('files', [
      target('fn', 'lambda', 'incoming/'),
      target('queue', 'sqs', 'incoming/id/'),
    ]);
    expect(sent).toEqual([
      { to: 'queue', kind: 'sqs', body: expect.objectContaining({ Event: 's3:TestEvent', Bucket: 'files' }) },
    ]);
    sent.length = 0;
    const { object, ...request } = EVENT;
    notifications.notify(request);
    notifications.notify({ ...request, key: 'processed/id/a.pdf' });
    notifications.notify({ ...request, bucket: 'other' });
    await notifications.delivered();
    // The object is looked up once for its two destinations, and never for events nobody wants.
    expect(lookedUp).toEqual(['files/incoming/id/a b.pdf']);
    const [first] = sent as Array<{ body: { Records: Array<{ s3: { object: object } }> } }>;
    expect(first?.body.Records[0]?.s3.object).toMatchObject(object ?? {});
    expect(sent.map((s) => [s.to, s.kind])).toEqual([
      ['fn', 'lambda'],
      ['queue', 'sqs'],
    ]);
    const configurationIds = sent.map(
      (s) =>
        (s.body as { Records: Array<{ s3: { configurationId: string } }> }).Records[0]?.s3.configurationId,
    );
    expect(configurationIds).toEqual(['id-fn', 'id-queue']);
  });

  it('logs a delivery that fails and goes on with the others', async () => {
    const lines: string[] = [];
    const delivered: string[] = [];
    const notifications = new BucketNotifications({
      region: 'us-east-1',
      ownerId: '0',
      objectDetails: async () => ({ size: 1, eTag: 'e' }),
      log: (line) => lines.push(line),
      delivery: {
        invokeAsync: async (to) => {
          if (to === 'broken') {
            throw new Error('ResourceNotFoundException: Function not found');
          }
          delivered.push(to);
        },
        sendMessage: async () => {},
      },
    });
    await notifications.configure('files', [
      target('broken', 'lambda', 'a/'),
      target('fine', 'lambda', 'incoming/'),
    ]);
    notifications.notify({ ...EVENT, key: 'a/x' });
    notifications.notify(EVENT);
    await notifications.delivered();
    expect(delivered).toEqual(['fine']);
    expect(lines).toEqual([
      expect.stringMatching(/s3:\/\/files\/a\/x to broken failed: .*Function not found/),
    ]);
  });
});
