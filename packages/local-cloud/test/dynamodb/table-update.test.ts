import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { TableProperties } from '../../src/dynamodb/table-provider.ts';
import { updateTable } from '../../src/dynamodb/table-update.ts';

/** A client that records each command (name and input) and answers DescribeTable with an ACTIVE table. */
function recordingClient(): { client: DynamoDBClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      if (name === 'DescribeTable') {
        return { Table: { TableStatus: 'ACTIVE', GlobalSecondaryIndexes: [] } };
      }
      const { TableName: _table, ...input } = command.input;
      calls.push(`${name} ${JSON.stringify(input)}`);
      return {};
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

const base: TableProperties = {
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  BillingMode: 'PAY_PER_REQUEST',
};

const index = (name: string, key: string) => ({
  IndexName: name,
  KeySchema: [{ AttributeName: key, KeyType: 'HASH' as const }],
  Projection: { ProjectionType: 'ALL' as const },
});

describe('updateTable', () => {
  it('changes a stream’s view type by turning it off, then on with the new type', async () => {
    const { client, calls } = recordingClient();
    await updateTable(
      client,
      'orders',
      { ...base, StreamSpecification: { StreamViewType: 'KEYS_ONLY' } },
      { ...base, StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } },
      'Resource Orders',
    );
    expect(calls).toEqual([
      'UpdateTable {"StreamSpecification":{"StreamEnabled":false}}',
      'UpdateTable {"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}',
    ]);
  });

  it('deletes a removed index, and deletes then creates one whose key changed, one change a call', async () => {
    const { client, calls } = recordingClient();
    const attributes = [
      { AttributeName: 'id', AttributeType: 'S' as const },
      { AttributeName: 'sku', AttributeType: 'S' as const },
    ];
    await updateTable(
      client,
      'orders',
      {
        ...base,
        AttributeDefinitions: attributes,
        GlobalSecondaryIndexes: [index('bySku', 'sku'), index('old', 'id')],
      },
      { ...base, AttributeDefinitions: attributes, GlobalSecondaryIndexes: [index('bySku', 'id')] },
      'Resource Orders',
    );
    const indexUpdates = calls.map((call) => {
      const [update] = JSON.parse(call.replace(/^UpdateTable /, '')).GlobalSecondaryIndexUpdates;
      const [action, { IndexName, KeySchema }] = Object.entries(update)[0] as [
        string,
        { IndexName: string; KeySchema?: Array<{ AttributeName: string }> },
      ];
      return `${action} ${IndexName}${KeySchema ? ` on ${KeySchema[0]?.AttributeName}` : ''}`;
    });
    expect(indexUpdates).toEqual(['Delete old', 'Delete bySku', 'Create bySku on id']);
  });

  it('moves time to live to another attribute by turning it off, then on', async () => {
    const { client, calls } = recordingClient();
    await updateTable(
      client,
      'orders',
      { ...base, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } },
      { ...base, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } },
      'Resource Orders',
    );
    expect(calls).toEqual([
      'UpdateTimeToLive {"TimeToLiveSpecification":{"AttributeName":"expiresAt","Enabled":false}}',
      'UpdateTimeToLive {"TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":true}}',
    ]);
  });

  it('refuses a change to local secondary indexes before calling DynamoDB', async () => {
    const { client, calls } = recordingClient();
    const lsi = {
      IndexName: 'byDate',
      KeySchema: [
        { AttributeName: 'id', KeyType: 'HASH' as const },
        { AttributeName: 'date', KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' as const },
    };
    await expect(
      updateTable(
        client,
        'orders',
        base,
        { ...base, StreamSpecification: { StreamViewType: 'NEW_IMAGE' }, LocalSecondaryIndexes: [lsi] },
        'Resource Orders',
      ),
    ).rejects.toThrow(
      'Resource Orders: local secondary indexes are created with their table and cannot change',
    );
    expect(calls).toEqual([]);
  });
});
