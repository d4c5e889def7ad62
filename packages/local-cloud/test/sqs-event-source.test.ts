import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssembly } from '../../../test/helpers/assembly.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { reportedFailures } from '../src/event-sources/sqs-event-source.ts';

// Records every invocation's message ids in a file, then: `fail` bodies are reported as batch item failures,
// a `throw-once` body throws the first time its message is seen (failing the whole batch).
const WORKER = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
export const handler = async (event) => {
  const ids = event.Records.map((record) => record.body);
  appendFileSync(process.env.RECORD_FILE, JSON.stringify({ ids, receiveCounts: event.Records.map((r) => r.attributes.ApproximateReceiveCount), source: event.Records[0].eventSource }) + '\\n');
  const marker = process.env.RECORD_FILE + '.thrown';
  if (ids.includes('throw-once') && !existsSync(marker)) {
    writeFileSync(marker, 'yes');
    throw new Error('the whole batch fails once');
  }
  return { batchItemFailures: event.Records.filter((record) => record.body.startsWith('fail')).map((record) => ({ itemIdentifier: record.messageId })) };
};`;

function template(recordFile: string): object {
  return {
    Resources: {
      DeadLetters: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } },
      Work: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 2,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] },
            maxReceiveCount: 2,
          },
        },
      },
      Worker: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'cdk-assets', S3Key: 'worker.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Role: 'arn:aws:iam::000000000000:role/worker',
          Environment: { Variables: { RECORD_FILE: recordFile } },
        },
      },
      WorkerSource: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          EventSourceArn: { 'Fn::GetAtt': ['Work', 'Arn'] },
          FunctionName: { Ref: 'Worker' },
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 0,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        },
      },
    },
    Outputs: {
      WorkQueueUrl: { Value: { Ref: 'Work' } },
      DeadLetterQueueUrl: { Value: { Ref: 'DeadLetters' } },
    },
  };
}

describe('SQS event source mapping on the local cloud', { timeout: 30_000 }, () => {
  let directory: string;
  let cloud: LocalCloud;
  let sqs: SQSClient;
  let recordFile: string;
  let outputs: Record<string, string>;

  beforeAll(async () => {
    recordFile = path.join(await mkdtemp(path.join(tmpdir(), 'invocations-')), 'invocations.jsonl');
    directory = await writeAssembly('Queues', template(recordFile), { worker: { 'index.mjs': WORKER } });
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
    outputs = cloud.outputs.Queues as Record<string, string>;
    const endpoint = new URL(outputs.WorkQueueUrl as string).origin;
    sqs = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    sqs?.destroy();
    await cloud?.stop();
    await rm(directory, { recursive: true, force: true });
    await rm(path.dirname(recordFile), { recursive: true, force: true });
  });

  async function invocations(): Promise<Array<{ ids: string[]; receiveCounts: string[]; source: string }>> {
    const text = await readFile(recordFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  function timesSeen(all: Array<{ ids: string[] }>, id: string): number {
    return all.flatMap((invocation) => invocation.ids).filter((seen) => seen === id).length;
  }

  it('delivers a batch, deletes what succeeded, redelivers only the reported failure, then dead-letters it', async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: outputs.WorkQueueUrl,
        Entries: ['ok-1', 'ok-2', 'ok-3', 'fail-1', 'throw-once'].map((body, index) => ({
          Id: String(index),
          MessageBody: body,
        })),
      }),
    );
    const deadLetter = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: outputs.DeadLetterQueueUrl, WaitTimeSeconds: 1 }),
        );
        return Messages?.[0];
      },
      { timeoutMs: 20_000, what: 'the failing message in the DLQ' },
    );
    expect(deadLetter.Body).toBe('fail-1');

    const all = await invocations();
    expect(all[0]?.source).toBe('aws:sqs');
    // The first batch threw: every message in it came back once, as on AWS.
    expect(timesSeen(all, 'throw-once')).toBe(2);
    for (const id of ['ok-1', 'ok-2', 'ok-3']) {
      expect(timesSeen(all, id)).toBe(2);
    }
    // After its second receive the reported failure went to the DLQ (maxReceiveCount 2), never a third time.
    expect(timesSeen(all, 'fail-1')).toBe(2);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: outputs.WorkQueueUrl, WaitTimeSeconds: 2 }),
    );
    expect(Messages ?? []).toEqual([]);
  });

  it('processes a batch with one failing message without running the good ones again', async () => {
    const before = (await invocations()).length;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: outputs.WorkQueueUrl,
        Entries: ['good-a', 'good-b', 'fail-2'].map((body, index) => ({
          Id: String(index),
          MessageBody: body,
        })),
      }),
    );
    await eventually(async () => (timesSeen(await invocations(), 'fail-2') === 2 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the failing message to be retried',
    });
    const all = (await invocations()).slice(before);
    expect(timesSeen(all, 'good-a')).toBe(1);
    expect(timesSeen(all, 'good-b')).toBe(1);
    expect(
      all.find((invocation) => invocation.ids.includes('fail-2') && invocation.receiveCounts.includes('2')),
    ).toBeDefined();
  });
});

describe('reportedFailures', () => {
  const ids = ['m1', 'm2'];
  it.each([
    ['null', 'null', []],
    ['an empty object', '{}', []],
    ['an empty list', '{"batchItemFailures":[]}', []],
    ['one failure', '{"batchItemFailures":[{"itemIdentifier":"m2"}]}', ['m2']],
  ])('reads %s as those failures', (_case, payload, failed) => {
    expect([...(reportedFailures(payload, ids) ?? ['whole batch'])]).toEqual(failed);
  });

  it.each([
    ['an unknown id', '{"batchItemFailures":[{"itemIdentifier":"m9"}]}'],
    ['an empty id', '{"batchItemFailures":[{"itemIdentifier":""}]}'],
    ['a null id', '{"batchItemFailures":[{"itemIdentifier":null}]}'],
    ['a misspelt key', '{"batchItemFailures":[{"itemId":"m1"}]}'],
    ['a list that is not a list', '{"batchItemFailures":"m1"}'],
    ['a bare string', '"ok"'],
    ['invalid JSON', '{'],
  ])('fails the whole batch for %s', (_case, payload) => {
    expect(reportedFailures(payload, ids)).toBeUndefined();
  });
});
