import { isDeepStrictEqual } from 'node:util';
import {
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
  type UpdateTableCommandInput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TemplateError } from '../cloudformation/template-error.ts';
import {
  enabledTimeToLive,
  type GlobalSecondaryIndexProperties,
  type TableProperties,
} from './properties.ts';

const ACTIVE_TIMEOUT_MS = 30_000;

/**
 * Applies a table's changed properties, its items untouched, as CloudFormation's update does with UpdateTable
 * (one change a call, waiting for ACTIVE in between) and UpdateTimeToLive:
 * - billing mode and provisioned throughput;
 * - global secondary indexes removed, added (a changed key schema or projection is both), or given throughput;
 * - the stream turned off, on, or to another view type (off, then on: a new stream, with a new StreamArn);
 * - time to live turned off, on, or onto another attribute.
 * Local secondary indexes exist only from the table's creation: a change to them fails before anything changes.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html
 */
export async function updateTable(
  client: DynamoDBClient,
  tableName: string,
  before: TableProperties,
  after: TableProperties,
  where: string,
): Promise<void> {
  if (!isDeepStrictEqual(before.LocalSecondaryIndexes ?? [], after.LocalSecondaryIndexes ?? [])) {
    throw new TemplateError(
      `${where}: local secondary indexes are created with their table and cannot change (give the table a new name to replace it)`,
    );
  }
  const update = async (input: Omit<UpdateTableCommandInput, 'TableName'>): Promise<void> => {
    await client.send(new UpdateTableCommand({ TableName: tableName, ...input }));
    await waitUntilActive(client, tableName);
  };
  const provisioned = (after.BillingMode ?? 'PROVISIONED') === 'PROVISIONED';

  if (
    (before.BillingMode ?? 'PROVISIONED') !== (after.BillingMode ?? 'PROVISIONED') ||
    !isDeepStrictEqual(before.ProvisionedThroughput, after.ProvisionedThroughput)
  ) {
    await update({
      BillingMode: after.BillingMode ?? 'PROVISIONED',
      ...(provisioned ? { ProvisionedThroughput: after.ProvisionedThroughput } : {}),
    });
  }

  const indexes = indexChanges(before.GlobalSecondaryIndexes ?? [], after.GlobalSecondaryIndexes ?? []);
  for (const name of indexes.deleted) {
    await update({ GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] });
  }
  for (const index of indexes.created) {
    await update({
      AttributeDefinitions: after.AttributeDefinitions,
      GlobalSecondaryIndexUpdates: [
        {
          Create: {
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
            ...(provisioned ? { ProvisionedThroughput: index.ProvisionedThroughput } : {}),
          },
        },
      ],
    });
  }
  for (const index of indexes.throughput) {
    if (provisioned && index.ProvisionedThroughput) {
      await update({
        GlobalSecondaryIndexUpdates: [
          { Update: { IndexName: index.IndexName, ProvisionedThroughput: index.ProvisionedThroughput } },
        ],
      });
    }
  }

  const viewBefore = before.StreamSpecification?.StreamViewType;
  const viewAfter = after.StreamSpecification?.StreamViewType;
  if (viewBefore !== viewAfter) {
    // A stream's view type cannot change: DynamoDB takes it off, then on again with the new type.
    if (viewBefore) {
      await update({ StreamSpecification: { StreamEnabled: false } });
    }
    if (viewAfter) {
      await update({ StreamSpecification: { StreamEnabled: true, StreamViewType: viewAfter } });
    }
  }

  const ttlBefore = before.TimeToLiveSpecification;
  const ttlAfter = after.TimeToLiveSpecification;
  if (!isDeepStrictEqual(ttlBefore, ttlAfter)) {
    // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
    const off = enabledTimeToLive(ttlBefore);
    if (off) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: off.AttributeName, Enabled: false },
        }),
      );
    }
    const on = enabledTimeToLive(ttlAfter);
    if (on) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: on }));
    }
  }
}

/** The global secondary indexes to delete, to create, and whose throughput alone changed. */
function indexChanges(
  before: readonly GlobalSecondaryIndexProperties[],
  after: readonly GlobalSecondaryIndexProperties[],
): {
  deleted: string[];
  created: GlobalSecondaryIndexProperties[];
  throughput: GlobalSecondaryIndexProperties[];
} {
  const shape = (index: GlobalSecondaryIndexProperties | undefined) => ({
    keySchema: index?.KeySchema,
    projection: index?.Projection,
  });
  const old = new Map(before.map((index) => [index.IndexName, index]));
  const reshaped = (index: GlobalSecondaryIndexProperties) =>
    old.has(index.IndexName) && !isDeepStrictEqual(shape(index), shape(old.get(index.IndexName)));
  const kept = new Set(after.map((index) => index.IndexName));
  return {
    deleted: [
      ...before.filter((index) => !kept.has(index.IndexName)).map((index) => index.IndexName),
      ...after.filter(reshaped).map((index) => index.IndexName),
    ],
    created: after.filter((index) => !old.has(index.IndexName) || reshaped(index)),
    throughput: after.filter(
      (index) =>
        old.has(index.IndexName) &&
        !reshaped(index) &&
        !isDeepStrictEqual(index.ProvisionedThroughput, old.get(index.IndexName)?.ProvisionedThroughput),
    ),
  };
}

/** Waits until the table and each of its indexes are ACTIVE again after an UpdateTable. */
async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`table ${tableName} was not ACTIVE ${ACTIVE_TIMEOUT_MS} ms after UpdateTable`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
