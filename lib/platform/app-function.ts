import path from 'node:path';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionBundles } from '../bundling/bundled-code.ts';

/** Where the handlers live. */
const LAMBDA_ROOT = path.resolve(import.meta.dirname, '../../lambda');

export interface AppFunctionProps {
  /** Handler file, relative to `lambda/` (e.g. `api-payload/record-order.ts`); it exports `handler`. */
  readonly entry: string;
  /** Service name in every log line (Powertools `service`). */
  readonly serviceName: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** @default 256 MB: the handlers are I/O bound; more memory buys CPU they do not use. */
  readonly memorySizeMb?: number;
  /** @default 10 seconds: well under API Gateway's 29 s integration timeout. */
  readonly timeout?: Duration;
  /** Extra environment variables. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * How a function may use a table: the item actions the handlers call (`PutItem`, `UpdateItem` and `DeleteItem` also
 * govern a `TransactWriteItems`' items), not the `Scan`, `BatchGetItem`, `BatchWriteItem` and `ConditionCheckItem`
 * that `grantReadData` and `grantReadWriteData` add: no function reads a whole table or writes in batches.
 * `append` puts new items only; `idempotency` is what Powertools' idempotency utility calls on its records table.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#iam-permissions
 */
const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  append: ['dynamodb:PutItem'],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ],
  idempotency: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const satisfies Record<string, readonly string[]>;

export type TableAccess = keyof typeof TABLE_ACTIONS;

/** How a function may use a bucket: read objects, write objects, or both. */
export type BucketAccess = 'read' | 'write' | 'readWrite';

/**
 * A Node.js Lambda function with the project's defaults: Node.js 22, arm64, one ESM bundle with the AWS SDK
 * inside (the version we test is the version that runs; see lib/bundling), source maps, JSON logs kept a month, X-Ray tracing,
 * and a role of its own that may write only to its own log group.
 */
export class AppFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Not AWSLambdaBasicExecutionRole: it allows creating and writing every log group in the account ("Resource":
    // "*"). The log group exists before the function, so writing its streams is all the function needs.
    const role = new Role(this, 'ServiceRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Role of lambda/${props.entry}: its own log group, X-Ray traces, and the grants its construct adds.`,
    });
    logGroup.grantWrite(role);
    this.function = new LambdaFunction(this, 'Function', {
      // Every function of the app is bundled in one esbuild pass at synthesis (lib/bundling/bundle-options.ts).
      code: FunctionBundles.of(this).code(path.join(LAMBDA_ROOT, props.entry)),
      handler: 'index.handler',
      description: props.description,
      // Pinned to 22 so the deployed runtime matches the local cloud's Node.js 22 workers.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      role,
      tracing: Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    const acknowledge = Validations.of(this);
    acknowledge.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Granted on "*" only: X-Ray PutTraceSegments and PutTelemetryRecords and, for DynamoDB stream consumers, dynamodb:ListStreams, actions that take no resource ARN; the template tests hold this list.',
    });
    const pinnedRuntime =
      'Node.js 22 is pinned on purpose: the local cloud runs handlers on Node.js 22, so what is tested is what deploys.';
    acknowledge.acknowledge({ id: 'AwsSolutions-L1', reason: pinnedRuntime });
    acknowledge.acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime });
    acknowledge.acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'A function DLQ catches failed asynchronous invocations. These functions are invoked synchronously (API Gateway) or by event source mappings, whose failures stay on the source queue’s DLQ or go to the mapping’s on-failure destination; the one asynchronously invoked (S3 events) has an on-failure destination, which keeps more than a DLQ.',
    });
  }

  /** Grants the function `access` to a table (its actions above) and passes its name in the variable `env`. */
  bindTable(table: ITable, options: { readonly access: TableAccess; readonly env: string }): this {
    table.grant(this.function, ...TABLE_ACTIONS[options.access]);
    this.function.addEnvironment(options.env, table.tableName);
    return this;
  }

  /**
   * For a table several applications share: grants reading whole items (`GetItem`) and writing only
   * `attributes` with `UpdateItem`, and passes the table's name in `env`. No `PutItem` (it replaces the whole
   * item, other applications' attributes included), and no `ReturnValues` that could return attributes the
   * function may not write.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
   */
  bindSharedTable(
    table: ITable,
    options: { readonly env: string; readonly writableAttributes: readonly string[] },
  ): this {
    table.grant(this.function, 'dynamodb:GetItem');
    if (options.writableAttributes.length === 0) {
      this.function.addEnvironment(options.env, table.tableName);
      return this;
    }
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...options.writableAttributes] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        },
      }),
    );
    this.function.addEnvironment(options.env, table.tableName);
    return this;
  }

  /**
   * Grants the function `s3:GetObject` and/or `s3:PutObject` on a bucket's objects (all of them, or those matching
   * `keys`, e.g. `incoming/*`), nothing on the bucket itself (no listing), and passes its name in `env`.
   * (CDK's grantRead/grantPut add wildcard actions.)
   */
  bindBucket(
    bucket: IBucket,
    options: { readonly access: BucketAccess; readonly env: string; readonly keys?: string },
  ): this {
    this.grantObjects(bucket, options.keys ?? '*', [
      ...(options.access === 'write' ? [] : ['s3:GetObject']),
      ...(options.access === 'read' ? [] : ['s3:PutObject']),
    ]);
    this.function.addEnvironment(options.env, bucket.bucketName);
    return this;
  }

  /** Grants object-level `actions` on the objects of `bucket` whose keys match `keys` (e.g. `quarantine/*`). */
  grantObjects(bucket: IBucket, keys: string, actions: readonly string[]): this {
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(keys)] }),
    );
    const bucketResource = bucket.node.defaultChild as CfnElement;
    const name = bucket.node.scope?.node.id ?? bucket.node.id;
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucketResource)}.Arn>/${keys}]`,
      reason:
        keys === '*'
          ? `Object-level access to the objects of the ${name} bucket and no other; keys are per order, known only at run time.`
          : `Object-level access to the objects under ${keys} of the ${name} bucket and no other; keys are per file, known only at run time.`,
    });
    return this;
  }

  /**
   * Acknowledges that an SQS event source mapping has no on-failure destination: for SQS sources, messages that
   * keep failing go to the queue's own dead-letter queue (its redrive policy), which `queue` has.
   */
  acknowledgeQueueSourceFailures(): this {
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS event source keeps failed messages on the queue, which dead-letters them by its redrive policy; on-failure destinations are for stream sources.',
    });
    return this;
  }

  /** Grants the function sending to a queue and passes its URL in `env`. */
  bindQueue(queue: IQueue, options: { readonly access: 'send'; readonly env: string }): this {
    queue.grantSendMessages(this.function);
    this.function.addEnvironment(options.env, queue.queueUrl);
    return this;
  }

  /** Grants the function writing records to a stream and passes its name in `env`. */
  bindStream(stream: IStream, options: { readonly access: 'write'; readonly env: string }): this {
    stream.grantWrite(this.function);
    this.function.addEnvironment(options.env, stream.streamName);
    return this;
  }
}
