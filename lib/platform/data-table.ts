import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface DataTableProps {
  /** Partition key attribute (a string). */
  readonly partitionKey: string;
  /** Sort key attribute, when one partition holds several items. */
  readonly sortKey?: string;
  /** @default 'string'; 'number' sorts numerically (versions, sequence numbers). */
  readonly sortKeyType?: 'string' | 'number';
  /** What the table's DynamoDB stream carries, when other code reacts to its changes. @default no stream */
  readonly stream?: StreamViewType;
  /** @default RemovalPolicy.RETAIN: business records outlive `cdk destroy` unless you say otherwise. */
  readonly removalPolicy?: RemovalPolicy;
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes expired items. @default none */
  readonly timeToLiveAttribute?: string;
}

/**
 * A DynamoDB table with the project's defaults: on-demand capacity, encrypted with the AWS managed key,
 * point-in-time recovery on. (`AWS::DynamoDB::Table`: one region, which is what every pattern here needs.)
 */
export class DataTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: props.partitionKey, type: AttributeType.STRING },
      sortKey: props.sortKey
        ? {
            name: props.sortKey,
            type: props.sortKeyType === 'number' ? AttributeType.NUMBER : AttributeType.STRING,
          }
        : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      timeToLiveAttribute: props.timeToLiveAttribute,
      stream: props.stream,
    });
  }
}

/**
 * The table Powertools' idempotency utility keeps its records in (`DynamoDBPersistenceLayer`'s defaults: key `id`,
 * expiry `expiration` in epoch seconds, which DynamoDB's TTL deletes). Records are only replayable answers, so
 * `cdk destroy` removes the table.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#required-resources
 */
export function idempotencyTable(scope: Construct, id: string): DataTable {
  return new DataTable(scope, id, {
    partitionKey: 'id',
    timeToLiveAttribute: 'expiration',
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
