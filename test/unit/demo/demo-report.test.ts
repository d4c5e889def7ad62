import { describe, expect, it } from 'vitest';
import {
  demoIds,
  demoTarget,
  describeError,
  describePushes,
  exitCode,
  missingOutputsMessage,
  type PatternOutcome,
  pushedStatuses,
  renderTable,
  resourceName,
  s3Location,
} from '../../../scripts/demo-report.ts';

const outputs = (stack: Record<string, string>) => JSON.stringify({ DataSharingStack: stack });

describe('demoTarget', () => {
  it('reads the API URL and key the local cloud writes, adding the trailing slash', () => {
    const target = demoTarget(
      outputs({
        ApiUrl: 'http://127.0.0.1:4010/abc/prod',
        ApiKey: 'k',
        ApiKeyId: 'id',
        FilesBucketName: 'b',
      }),
      'outputs.json',
    );
    expect(target).toEqual({
      apiUrl: 'http://127.0.0.1:4010/abc/prod/',
      apiKey: 'k',
      apiKeyId: 'id',
      outputs: {
        ApiUrl: 'http://127.0.0.1:4010/abc/prod',
        ApiKey: 'k',
        ApiKeyId: 'id',
        FilesBucketName: 'b',
      },
    });
  });

  it('accepts a deployed stack’s outputs with only the key id, for GetApiKey to resolve', () => {
    const target = demoTarget(outputs({ ApiUrl: 'https://x.execute-api/prod/', ApiKeyId: 'id' }), 'o.json');
    expect(target.apiKey).toBeUndefined();
    expect(target.apiKeyId).toBe('id');
  });

  it('names the file and what it lacks', () => {
    expect(() => demoTarget('not json', 'o.json')).toThrow('o.json is not JSON');
    expect(() => demoTarget(JSON.stringify({ Other: {} }), 'o.json')).toThrow(
      'o.json has no DataSharingStack.ApiUrl',
    );
    expect(() => demoTarget(outputs({ ApiUrl: 'http://a/' }), 'o.json')).toThrow(
      'o.json has neither DataSharingStack.ApiKey nor DataSharingStack.ApiKeyId',
    );
  });

  it('tells someone without an outputs file to run npm start', () => {
    expect(missingOutputsMessage('.local-cloud/outputs.json')).toMatch(
      /^No outputs file at \.local-cloud\/outputs\.json\. Run `npm start` first/,
    );
  });
});

describe('demoIds', () => {
  it('gives each run its own ids, all valid order ids (A-Z a-z 0-9 _ -, at most 64)', () => {
    const first = demoIds(new Date('2026-11-22T10:00:00Z'), 'a1b2c3');
    const second = demoIds(new Date('2026-11-22T10:00:00Z'), 'd4e5f6');
    for (const id of Object.values(first)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    }
    expect(second.queueOrderId).not.toBe(first.queueOrderId);
    expect(new Set(Object.values(first)).size).toBe(Object.values(first).length);
  });
});

describe('s3Location', () => {
  it('reads the bucket from the path of a path-style URL (the local cloud) and decodes the key', () => {
    expect(
      s3Location('http://127.0.0.1:4566/receipts-bucket/orders/o%201/receipt.pdf?X-Amz-Signature=abc'),
    ).toBe('s3://receipts-bucket/orders/o 1/receipt.pdf');
  });

  it('reads the bucket from the host of a virtual-hosted URL (AWS)', () => {
    expect(s3Location('https://files-bucket.s3.eu-west-1.amazonaws.com/processed/f1/invoice.pdf?X=1')).toBe(
      's3://files-bucket/processed/f1/invoice.pdf',
    );
    expect(s3Location('https://files-bucket.s3.amazonaws.com/processed/f1/invoice.pdf')).toBe(
      's3://files-bucket/processed/f1/invoice.pdf',
    );
  });
});

describe('resourceName', () => {
  it('takes the name from a queue URL, a topic ARN or a plain name', () => {
    expect(resourceName('http://127.0.0.1:37713/000000000000/Stack-OrderQueue-LH25')).toBe(
      'Stack-OrderQueue-LH25',
    );
    expect(resourceName('arn:aws:sns:eu-west-1:123456789012:Stack-OrderEvents-K3')).toBe(
      'Stack-OrderEvents-K3',
    );
    expect(resourceName('Stack-Events-4XO7')).toBe('Stack-Events-4XO7');
    expect(resourceName(undefined)).toBe('(not in the outputs)');
  });
});

describe('pushed statuses', () => {
  it('keeps the status messages of the followed order, in arrival order', () => {
    const pushes = pushedStatuses(
      [
        { receivedAfterMs: -20, message: { type: 'subscribed', orderId: 'o-1' } },
        {
          receivedAfterMs: 35.4,
          message: { type: 'status', pattern: 'queue', orderId: 'o-1', status: 'QUEUED' },
        },
        {
          receivedAfterMs: 50,
          message: { type: 'status', pattern: 'queue', orderId: 'o-2', status: 'QUEUED' },
        },
        { receivedAfterMs: 140, message: { type: 'status', orderId: 'o-1', status: 'PROCESSING' } },
        { receivedAfterMs: 150, message: 'not json' },
        { receivedAfterMs: 910, message: { type: 'status', orderId: 'o-1', status: 'DONE' } },
      ],
      'o-1',
    );
    expect(pushes).toEqual([
      { status: 'QUEUED', afterMs: 35.4 },
      { status: 'PROCESSING', afterMs: 140 },
      { status: 'DONE', afterMs: 910 },
    ]);
    expect(describePushes(pushes)).toBe('QUEUED (+35 ms) -> PROCESSING (+140 ms) -> DONE (+910 ms)');
  });

  it('says when nothing was pushed', () => {
    expect(describePushes([])).toBe('nothing pushed');
  });
});

describe('describeError', () => {
  it('names the bound of a timeout', () => {
    expect(describeError(new DOMException('The operation timed out.', 'TimeoutError'), 30_000)).toBe(
      'timed out after 30 s',
    );
  });

  it('adds the cause fetch hides behind "fetch failed"', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(describeError(error, 30_000)).toBe('fetch failed (ECONNREFUSED)');
    expect(describeError(new Error('POST /files answered 413: too big'), 30_000)).toBe(
      'POST /files answered 413: too big',
    );
  });
});

describe('renderTable', () => {
  const done: PatternOutcome = {
    pattern: '2 message queue',
    response: '202 statusUrl',
    visible: { afterMs: 1111.6, what: 'status DONE' },
    landedIn: 'receipt PDF in s3://receipts/orders/o-1/receipt.pdf',
  };
  const failed: PatternOutcome = {
    pattern: '3 Kinesis stream',
    response: '202 accepted=3',
    error: 'timed out after 30 s waiting for the stats',
  };

  it('lines up a header, a rule and one row per pattern', () => {
    expect(renderTable([done, failed]).split('\n')).toEqual([
      '| pattern          | client got     | visible after         | where the data ended up                             |',
      '| ---------------- | -------------- | --------------------- | --------------------------------------------------- |',
      '| 2 message queue  | 202 statusUrl  | 1112 ms (status DONE) | receipt PDF in s3://receipts/orders/o-1/receipt.pdf |',
      '| 3 Kinesis stream | 202 accepted=3 | FAILED                | FAILED: timed out after 30 s waiting for the stats  |',
    ]);
  });

  it('escapes pipes and line breaks so a cell never breaks the table', () => {
    const table = renderTable([{ pattern: 'x', error: 'a|b\nc' }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('FAILED: a\\|b c');
  });

  it('exits 1 when any pattern failed, 0 when all succeeded', () => {
    expect(exitCode([done])).toBe(0);
    expect(exitCode([done, failed])).toBe(1);
  });
});
