import * as z from 'zod';
import { cfnBoolean, cfnInteger, cfnString } from '../cloudformation/resource-properties.ts';

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-keyschema.html
const keySchema = z.array(z.looseObject({ AttributeName: cfnString, KeyType: z.enum(['HASH', 'RANGE']) }));

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-provisionedthroughput.html
const provisionedThroughput = z.looseObject({
  ReadCapacityUnits: cfnInteger,
  WriteCapacityUnits: cfnInteger,
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-projection.html
const projection = z.looseObject({
  ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
  NonKeyAttributes: z.array(cfnString).optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-globalsecondaryindex.html
const globalSecondaryIndex = z.looseObject({
  IndexName: cfnString,
  KeySchema: keySchema,
  Projection: projection,
  ProvisionedThroughput: provisionedThroughput.optional(),
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-localsecondaryindex.html
const localSecondaryIndex = z.looseObject({
  IndexName: cfnString,
  KeySchema: keySchema,
  Projection: projection,
});

// AttributeName is required when TTL is enabled.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-dynamodb-table-timetolivespecification.html
const timeToLiveSpecification = z
  .looseObject({ AttributeName: cfnString.optional(), Enabled: cfnBoolean })
  .refine((ttl) => !ttl.Enabled || ttl.AttributeName !== undefined, {
    message: 'required when Enabled is true',
    path: ['AttributeName'],
  });

// The properties that shape the table; the rest (SSE, point-in-time recovery, deletion protection, tags,
// contributor insights) have no meaning for an in-memory DynamoDB Local.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html
export const tableProperties = z.looseObject({
  TableName: cfnString.optional(),
  KeySchema: keySchema,
  AttributeDefinitions: z
    .array(z.looseObject({ AttributeName: cfnString, AttributeType: z.enum(['S', 'N', 'B']) }))
    .optional(),
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  ProvisionedThroughput: provisionedThroughput.optional(),
  GlobalSecondaryIndexes: z.array(globalSecondaryIndex).optional(),
  LocalSecondaryIndexes: z.array(localSecondaryIndex).optional(),
  StreamSpecification: z
    .looseObject({ StreamViewType: z.enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY']) })
    .optional(),
  TimeToLiveSpecification: timeToLiveSpecification.optional(),
});

export type TableProperties = z.output<typeof tableProperties>;
export type GlobalSecondaryIndexProperties = z.output<typeof globalSecondaryIndex>;

/** The attribute an enabled TTL specification names (the schema checked it has one), or undefined when off. */
export function enabledTimeToLive(
  specification: TableProperties['TimeToLiveSpecification'],
): { readonly AttributeName: string; readonly Enabled: true } | undefined {
  return specification?.Enabled && specification.AttributeName !== undefined
    ? { AttributeName: specification.AttributeName, Enabled: true }
    : undefined;
}
