import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  coerceParameters,
  flattenResponse,
  normalizeActionName,
  normalizeServiceName,
  responseAsText,
  selectOutputs,
} from '../../src/custom-resources/sdk-call-shapes.ts';

const inputSchema = (command: object) => (command as { schema?: readonly unknown[] }).schema?.[4];

describe('Custom::AWS call shapes, as CDK’s AwsCustomResource handler makes them', () => {
  it('names services and actions in v2 and v3 spellings alike', () => {
    expect(['DynamoDB', 'dynamodb', '@aws-sdk/client-dynamodb'].map(normalizeServiceName)).toEqual([
      'dynamodb',
      'dynamodb',
      'dynamodb',
    ]);
    expect(normalizeServiceName('DynamoDBStreams')).toBe('dynamodb-streams');
    expect(['putItem', 'PutItem', 'PutItemCommand'].map(normalizeActionName)).toEqual([
      'PutItem',
      'PutItem',
      'PutItem',
    ]);
  });

  it('turns a string into bytes where the input takes a blob, and numeric strings into numbers where it takes a number', () => {
    const record = coerceParameters(inputSchema(new PutRecordCommand({} as never)), {
      StreamName: 's',
      Data: 'hello',
      PartitionKey: '1',
    }) as { Data: Uint8Array; PartitionKey: unknown };
    expect(record.Data).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(record.Data)).toBe('hello');
    // A string member stays a string, numeric or not.
    expect(record.PartitionKey).toBe('1');
    const message = coerceParameters(inputSchema(new SendMessageCommand({} as never)), {
      QueueUrl: 'q',
      MessageBody: '42',
      DelaySeconds: '5',
      MessageAttributes: { kind: { DataType: 'Binary', BinaryValue: 'raw' } },
    }) as {
      MessageBody: unknown;
      DelaySeconds: unknown;
      MessageAttributes: { kind: { BinaryValue: unknown } };
    };
    expect(message.MessageBody).toBe('42');
    expect(message.DelaySeconds).toBe(5);
    expect(message.MessageAttributes.kind.BinaryValue).toBeInstanceOf(Uint8Array);
  });

  it('flattens every leaf by its dotted path, list indexes included, and drops empty objects and dates', () => {
    expect(
      flattenResponse({
        Item: { id: { S: 'a' }, tags: { L: [{ S: 'x' }, { S: 'y' }] } },
        Count: 2,
        Empty: {},
        None: [],
        Nothing: null,
        When: new Date(0),
      }),
    ).toEqual({
      'Item.id.S': 'a',
      'Item.tags.L.0.S': 'x',
      'Item.tags.L.1.S': 'y',
      Count: 2,
      Nothing: null,
    });
  });

  it('keeps the entries under the outputPaths, or all of them without', () => {
    const flat = { 'Item.id.S': 'a', 'Item.n.N': '1', Count: 1 };
    expect(selectOutputs(flat, ['Item.id'])).toEqual({ 'Item.id.S': 'a' });
    expect(selectOutputs(flat, ['Item', 'Count'])).toEqual(flat);
    expect(selectOutputs(flat, undefined)).toEqual(flat);
  });

  it('reads blobs and body streams of a response as UTF-8 text, without $metadata', async () => {
    const body = { transformToString: async () => 'streamed' };
    expect(
      await responseAsText({
        $metadata: { httpStatusCode: 200 },
        Body: body,
        Records: [{ Data: new TextEncoder().encode('bytes') }],
      }),
    ).toEqual({ Body: 'streamed', Records: [{ Data: 'bytes' }] });
  });
});
