import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { typedProvider } from '../cloudformation/resource-properties.ts';
import type { CreateRequest, ResourceProvider } from '../cloudformation/types.ts';
import { enabledTimeToLive, tableProperties } from './properties.ts';
import { updateTable } from './table-update.ts';

export type { TableProperties } from './properties.ts';

/**
 * Creates `AWS::DynamoDB::Table` resources on DynamoDB Local. Ref = table name; Arn and StreamArn attributes.
 * An update changes the table in place, its items untouched (see `updateTable`); a delete drops it and its items.
 */
export function tableProvider(client: DynamoDBClient): ResourceProvider {
  return typedProvider(tableProperties, {
    async update(request) {
      const tableName = request.physicalId;
      await updateTable(
        client,
        tableName,
        request.oldProperties,
        request.properties,
        `Resource ${request.logicalId}`,
      );
      return { physicalId: tableName, attributes: await tableAttributes(client, tableName, request) };
    },
    async delete(request) {
      await client.send(new DeleteTableCommand({ TableName: request.physicalId }));
    },
    async create(request) {
      const properties = request.properties;
      // CloudFormation's generated table names are {stack}-{logicalId}-{suffix}, at most 255 characters.
      const tableName =
        properties.TableName ?? generatedName(request.stackName, request.logicalId, 255, request.replaces);
      const billingMode = properties.BillingMode ?? 'PROVISIONED';
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: properties.KeySchema,
          AttributeDefinitions: properties.AttributeDefinitions,
          BillingMode: billingMode,
          ProvisionedThroughput: billingMode === 'PROVISIONED' ? properties.ProvisionedThroughput : undefined,
          GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes,
          LocalSecondaryIndexes: properties.LocalSecondaryIndexes,
          StreamSpecification: properties.StreamSpecification
            ? { StreamEnabled: true, StreamViewType: properties.StreamSpecification.StreamViewType }
            : undefined,
        }),
      );
      const timeToLive = enabledTimeToLive(properties.TimeToLiveSpecification);
      if (timeToLive) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: timeToLive }),
        );
      }
      return { physicalId: tableName, attributes: await tableAttributes(client, tableName, request) };
    },
  });
}

/** A table's Arn, and its StreamArn while its stream is enabled. */
async function tableAttributes(
  client: DynamoDBClient,
  tableName: string,
  request: Pick<CreateRequest, 'region' | 'accountId'>,
): Promise<Record<string, unknown>> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = `arn:aws:dynamodb:${request.region}:${request.accountId}:table/${tableName}`;
  const streaming = Table?.StreamSpecification?.StreamEnabled === true && Table.LatestStreamLabel;
  return {
    Arn: arn,
    // DynamoDB Local names streams in its own region and account (ddblocal, 000000000000); templates and
    // events see the ARN AWS would give, with the same stream label.
    ...(streaming ? { StreamArn: `${arn}/stream/${Table.LatestStreamLabel}` } : {}),
  };
}
