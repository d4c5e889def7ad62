import { describe, expect, it } from 'vitest';
import { eventFingerprint, type ProductEvent } from '../../../lambda/domain/product-event.ts';
import {
  DynamoDbProductStatsStore,
  sequenceOrder,
} from '../../../lambda/shared/dynamodb-product-stats-store.ts';
import { scriptedDynamoDb, type WireAnswer, type WireCall } from '../../helpers/scripted-dynamodb.ts';

const TABLES = { stats: 'stats', appliedEvents: 'applied' };
const view: ProductEvent = {
  eventId: 'e-1',
  type: 'view',
  sku: 'mug',
  occurredAt: '2026-11-22T10:00:00.000Z',
} as ProductEvent;

const conditionFailed: WireAnswer = {
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    message: 'The conditional request failed',
  },
};
const alreadyApplied: WireAnswer = {
  status: 400,
  body: {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
  },
};

const appliedWith = (fingerprint: string): WireAnswer => ({
  status: 200,
  body: { Item: { eventId: { S: 'e-1' }, sequenceNumber: { S: '7' }, fingerprint: { S: fingerprint } } },
});

type Update = {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeValues: Record<string, { S?: string }>;
};

/** The UpdateItem that moves the last sequence number (written at the same time as the last event time). */
const sequenceUpdateOf = (calls: readonly WireCall[]) =>
  calls.find(
    (call) =>
      call.operation === 'UpdateItem' && String(call.input.UpdateExpression).includes('lastSequenceNumber'),
  )?.input as unknown as Update;

describe('DynamoDbProductStatsStore: the last sequence number never moves back', () => {
  it('pads sequence numbers so that string order is numeric order, up to Kinesis’s 129 digits', () => {
    const numbers = [
      '3',
      '20',
      '49590338271490256608559692538361571095921575989136588898',
      `1${'0'.repeat(128)}`,
    ];
    const padded = numbers.map(sequenceOrder);
    expect([...padded].sort()).toEqual(padded);
    expect(padded.every((order) => order.length === 129)).toBe(true);
  });

  it('adds the counts in the transaction, and sets the sequence number only where it is higher', async () => {
    const { client, calls } = scriptedDynamoDb();
    await new DynamoDbProductStatsStore(TABLES, client).apply(view, '20');
    expect(calls.map((call) => call.operation)).toEqual(['TransactWriteItems', 'UpdateItem', 'UpdateItem']);
    const transaction = calls[0]?.input.TransactItems as Array<{ Update?: Update }>;
    expect(transaction.at(-1)?.Update?.UpdateExpression).not.toContain('lastSequenceNumber');
    const sequenceUpdate = sequenceUpdateOf(calls);
    expect(sequenceUpdate.UpdateExpression).toBe(
      'SET lastSequenceNumber = :sequence, lastSequenceOrder = :order',
    );
    expect(sequenceUpdate.ConditionExpression).toBe(
      'attribute_not_exists(lastSequenceOrder) OR lastSequenceOrder < :order',
    );
    expect(sequenceUpdate.ExpressionAttributeValues[':order']?.S).toBe(sequenceOrder('20'));
  });

  it('takes a refused condition (a higher number is there) as done, not as a failure', async () => {
    const { client } = scriptedDynamoDb({ status: 200, body: {} }, conditionFailed, conditionFailed);
    expect(await new DynamoDbProductStatsStore(TABLES, client).apply(view, '3')).toBe('applied');
  });

  it('advances the marks of a redelivered event too: its first delivery may have stopped before them', async () => {
    const { client, calls } = scriptedDynamoDb(alreadyApplied, appliedWith(eventFingerprint(view)));
    expect(await new DynamoDbProductStatsStore(TABLES, client).apply(view, '20')).toBe('duplicate');
    expect(calls.map((call) => call.operation)).toEqual([
      'TransactWriteItems',
      'GetItem',
      'UpdateItem',
      'UpdateItem',
    ]);
  });
});

describe('DynamoDbProductStatsStore: a reused event id is told from a redelivery by its fingerprint', () => {
  it('stores each applied event’s fingerprint with its id', async () => {
    const { client, calls } = scriptedDynamoDb();
    await new DynamoDbProductStatsStore(TABLES, client).apply(view, '20');
    const [put] = (calls[0]?.input.TransactItems ?? []) as Array<{
      Put: { Item: Record<string, { S?: string }> };
    }>;
    expect(put?.Put.Item.fingerprint?.S).toBe(eventFingerprint(view));
  });

  it('answers a conflict, and changes nothing, when the id was applied for other content', async () => {
    const { client, calls } = scriptedDynamoDb(alreadyApplied, appliedWith('another-fingerprint'));
    expect(await new DynamoDbProductStatsStore(TABLES, client).apply(view, '20')).toEqual({
      outcome: 'conflict',
      fingerprint: eventFingerprint(view),
      appliedFingerprint: 'another-fingerprint',
      appliedSequenceNumber: '7',
    });
    expect(calls.map((call) => call.operation)).toEqual(['TransactWriteItems', 'GetItem']);
    expect(calls[1]?.input).toMatchObject({
      TableName: 'applied',
      Key: { eventId: { S: 'e-1' } },
      ConsistentRead: true,
    });
  });

  it('takes an id applied before fingerprints were kept as a redelivery', async () => {
    const { client } = scriptedDynamoDb(alreadyApplied, {
      status: 200,
      body: { Item: { eventId: { S: 'e-1' } } },
    });
    expect(await new DynamoDbProductStatsStore(TABLES, client).apply(view, '20')).toBe('duplicate');
  });

  it('fingerprints the content, not the order of its fields', () => {
    const reordered = Object.fromEntries(Object.entries(view).reverse()) as ProductEvent;
    expect(eventFingerprint(reordered)).toBe(eventFingerprint(view));
    expect(eventFingerprint({ ...view, sku: 'book' })).not.toBe(eventFingerprint(view));
  });

  it('applies a SKU’s events together and marks the highest sequence number among them', async () => {
    const { client, calls } = scriptedDynamoDb();
    await new DynamoDbProductStatsStore(TABLES, client).applyTogether([
      { event: view, sequenceNumber: '100' },
      { event: { ...view, eventId: 'e-2' }, sequenceNumber: '99' },
    ]);
    const sequenceUpdate = sequenceUpdateOf(calls);
    expect(sequenceUpdate.ExpressionAttributeValues[':sequence']?.S).toBe('100');
  });
});
