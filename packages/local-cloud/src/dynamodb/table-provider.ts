import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { generatedName } from '../cloudformation/physical-ids.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';
import { updateTable } from './table-update.ts';

// The properties of AWS::DynamoDB::Table that shape the table; the rest (SSE, point-in-time recovery,
// deletion protection, tags, contributor insights) have no meaning for an in-memory DynamoDB Local.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html
export interface TableProperties {
  readonly TableName?: string;
  readonly KeySchema: CreateTableCommandInput['KeySchema'];
  readonly AttributeDefinitions: AttributeDefinition[];
  readonly BillingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
  readonly ProvisionedThroughput?: CreateTableCommandInput['ProvisionedThroughput'];
  readonly GlobalSecondaryIndexes?: CreateTableCommandInput['GlobalSecondaryIndexes'];
  readonly LocalSecondaryIndexes?: CreateTableCommandInput['LocalSecondaryIndexes'];
  readonly StreamSpecification?: {
    readonly StreamViewType: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
  };
  readonly TimeToLiveSpecification?: { readonly AttributeName: string; readonly Enabled: boolean };
}

/**
 * Creates `AWS::DynamoDB::Table` resources on DynamoDB Local. Ref = table name; Arn and StreamArn attributes.
 * An update changes the table in place, its items untouched (see `updateTable`); a delete drops it and its items.
 */
export function tableProvider(client: DynamoDBClient): ResourceProvider {
  return {
    async update(request: UpdateRequest): Promise<CreatedResource> {
      const tableName = request.physicalId;
      await updateTable(
        client,
        tableName,
        request.oldProperties as unknown as TableProperties,
        request.properties as unknown as TableProperties,
        `Resource ${request.logicalId}`,
      );
      return { physicalId: tableName, attributes: await tableAttributes(client, tableName, request) };
    },
    async delete(request: DeleteRequest): Promise<void> {
      await client.send(new DeleteTableCommand({ TableName: request.physicalId }));
    },
    async create(request: CreateRequest): Promise<CreatedResource> {
      const properties = request.properties as unknown as TableProperties;
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
      if (properties.TimeToLiveSpecification?.Enabled) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: properties.TimeToLiveSpecification,
          }),
        );
      }
      return { physicalId: tableName, attributes: await tableAttributes(client, tableName, request) };
    },
  };
}

/** A table's Arn, and its StreamArn while its stream is enabled. */
async function tableAttributes(
  client: DynamoDBClient,
  tableName: string,
  request: CreateRequest,
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
