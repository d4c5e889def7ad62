import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cancelOrderJsonSchema,
  payOrderJsonSchema,
  placeOrderJsonSchema,
} from '../../lambda/domain/cqrs-order.ts';
import { orderJsonSchema } from '../../lambda/domain/order.ts';
import {
  ACCOUNTING_APP_ATTRIBUTES,
  invoiceJsonSchema,
  ORDERS_APP_ATTRIBUTES,
  SHARED_ATTRIBUTES,
} from '../../lambda/domain/shared-order.ts';
import { DataSharingStack } from '../../lib/data-sharing-stack.ts';
import { SUITE_OUTPUTS } from '../e2e/target.ts';
import { readTestTemplate } from '../helpers/test-assembly.ts';

let template: Template;

beforeAll(() => {
  // The template the test run synthesized once (test/infra/global-setup.ts), with cdk.json's context: what deploys.
  template = Template.fromJSON(readTestTemplate('DataSharingStack'));
});

/** The logical id of the function whose description starts with `prefix`. */
function functionId(prefix: string): string {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) },
  });
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** Every IAM action granted to a function's role, across its policies. */
function actionsOf(functionLogicalId: string): string[] {
  const fn = template.toJSON().Resources[functionLogicalId];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap((policy) =>
    (
      policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }
    ).Properties.PolicyDocument.Statement.flatMap((statement) => [statement.Action].flat()),
  );
}

describe('REST API', () => {
  it('requires an API key on every method, except those other AWS applications call with IAM credentials', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThanOrEqual(2);
    for (const method of methods) {
      if (method.Properties.AuthorizationType === 'AWS_IAM') {
        expect(method.Properties.ApiKeyRequired).toBe(false);
      } else {
        expect(method.Properties.ApiKeyRequired).toBe(true);
      }
    }
    const iamMethods = methods.filter((method) => method.Properties.AuthorizationType === 'AWS_IAM');
    expect(iamMethods).toHaveLength(1);
  });

  it('throttles the API key through a usage plan with a daily quota', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 100_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY' });
  });

  it('caps the whole stage too, so methods outside the usage plan (IAM) are bounded', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        }),
      ]),
    });
  });

  it('writes JSON access logs from the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      TracingEnabled: true,
    });
  });

  it('validates POST /sync/orders bodies against the domain’s JSON Schema', () => {
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'PurchaseOrder',
      ContentType: 'application/json',
      Schema: orderJsonSchema,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
  });

  it('answers gateway errors as application/problem+json', () => {
    for (const type of [
      'BAD_REQUEST_BODY',
      'INVALID_API_KEY',
      'INVALID_SIGNATURE',
      'ACCESS_DENIED',
      'THROTTLED',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
        ResponseTemplates: {
          'application/json': Match.stringLikeRegexp('"type":"urn:problem:serverless-data-sharing:'),
        },
      });
    }
  });

  it('declares no 413 REQUEST_TOO_LARGE response, which API Gateway would not apply', () => {
    const declared = template.findResources('AWS::ApiGateway::GatewayResponse', {
      Properties: { ResponseType: 'REQUEST_TOO_LARGE' },
    });
    expect(Object.keys(declared)).toEqual([]);
  });

  it('exports the API URL and the API key id, the names every target reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiKeyId', 'ApiUrl']));
  });
});

describe('CORS for the console (opt-in, CDK context consoleOrigin)', () => {
  const origin = 'http://127.0.0.1:4020';
  let cors: Template;

  beforeAll(() => {
    // No bundling (an empty list of stacks to bundle): what is checked here is the template, not the code.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const allowing = new DataSharingStack(app, 'DataSharingStack', { consoleOrigin: origin });
    // The same packs as every synth: allowing an origin adds no unexplained finding.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    app.synth();
    cors = Template.fromStack(allowing);
  });

  /** The logical ids of the functions behind the methods that take the API key. */
  function keyedFunctionIds(of: Template): string[] {
    const methods = Object.values(
      of.findResources('AWS::ApiGateway::Method', { Properties: { ApiKeyRequired: true } }),
    );
    return [
      ...new Set(
        methods.flatMap((method) =>
          [
            ...JSON.stringify(method.Properties.Integration.Uri).matchAll(/"Fn::GetAtt":\["(\w+)","Arn"\]/g),
          ].map((match) => match[1] as string),
        ),
      ),
    ];
  }

  it('adds nothing by default: no OPTIONS method, no allowed origin anywhere', () => {
    expect(
      Object.keys(
        template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
      ),
    ).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('Access-Control-Allow-Origin');
    expect(JSON.stringify(template.toJSON())).not.toContain('ALLOWED_ORIGIN');
  });

  it('answers preflights on every resource from a MOCK integration that takes no API key', () => {
    const preflights = Object.values(
      cors.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
    );
    const resources = Object.keys(cors.findResources('AWS::ApiGateway::Resource'));
    // Every resource, and the root.
    expect(preflights).toHaveLength(resources.length + 1);
    for (const preflight of preflights) {
      expect(preflight.Properties).toMatchObject({ ApiKeyRequired: false, AuthorizationType: 'NONE' });
      expect(preflight.Properties.Integration).toMatchObject({
        Type: 'MOCK',
        IntegrationResponses: [
          {
            StatusCode: '204',
            ResponseParameters: {
              'method.response.header.Access-Control-Allow-Origin': `'${origin}'`,
              'method.response.header.Access-Control-Allow-Headers':
                "'Content-Type,X-Api-Key,If-Match,If-None-Match,Idempotency-Key'",
              'method.response.header.Access-Control-Allow-Methods': "'GET,POST,PUT,PATCH'",
            },
          },
        ],
      });
    }
  });

  it('hands the origin to every function behind an API-key method, and puts it on gateway errors', () => {
    const functions = cors.toJSON().Resources as Record<
      string,
      { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
    >;
    const ids = keyedFunctionIds(cors);
    expect(ids.length).toBeGreaterThanOrEqual(15);
    for (const id of ids) {
      expect(functions[id]?.Properties.Environment?.Variables?.ALLOWED_ORIGIN, id).toBe(origin);
    }
    for (const type of ['INVALID_API_KEY', 'BAD_REQUEST_BODY', 'THROTTLED', 'DEFAULT_4XX', 'DEFAULT_5XX']) {
      cors.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${origin}'`,
        }),
      });
    }
  });

  it('takes one origin, never * or a URL with a path', () => {
    for (const consoleOrigin of ['*', 'http://127.0.0.1:4020/_console/', 'console.example']) {
      expect(
        () => new DataSharingStack(new App(), 'DataSharingStack', { consoleOrigin }),
        consoleOrigin,
      ).toThrow(/one origin/);
    }
  });
});

describe('API payload pattern', () => {
  it('keeps orders in an encrypted on-demand table with point-in-time recovery, retained on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'orderId', KeyType: 'HASH' },
          { AttributeName: 'part', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('runs the handlers on Node.js 22 with source maps and the table name in the environment', () => {
    for (const prefix of ['POST /sync/orders', 'GET /sync/orders']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(`^${prefix}`),
        Runtime: 'nodejs22.x',
        Environment: {
          Variables: Match.objectLike({
            ORDERS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^ApiPayloadOrders') },
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    }
  });

  it('lets the read handler read the table and nothing more', () => {
    const actions = actionsOf(functionId('GET /sync/orders'));
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action))).toEqual([]);
  });

  it('lets the record handler write the table', () => {
    const actions = actionsOf(functionId('POST /sync/orders'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem']));
  });
});

describe('message queue pattern', () => {
  it('encrypts every queue, redrives to the DLQ after 3 receives, and sets visibility to 6 x the worker timeout', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues).length).toBeGreaterThanOrEqual(2);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 181,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600 });
  });

  it('alarms as soon as one message is in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('feeds the worker ten messages a batch with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('gives each function only the S3 and SQS actions it uses', () => {
    const s3Actions = (prefix: string) =>
      actionsOf(functionId(prefix)).filter((action) => action.startsWith('s3:'));
    const sqsActions = (prefix: string) =>
      actionsOf(functionId(prefix)).filter((action) => action.startsWith('sqs:'));
    expect(s3Actions('POST /queue/orders')).toEqual(['s3:PutObject']);
    expect(sqsActions('POST /queue/orders').sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(s3Actions('GET /queue/orders')).toEqual(['s3:GetObject']);
    expect(sqsActions('GET /queue/orders')).toEqual([]);
    expect(s3Actions('SQS worker').sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(sqsActions('SQS worker')).toContain('sqs:ChangeMessageVisibility');
    expect(sqsActions('SQS worker')).not.toContain('sqs:SendMessage');
  });

  it('exports the queue URLs the redrive command and the tests use', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['OrderQueueUrl', 'OrderDeadLetterQueueUrl']),
    );
  });
});

describe('message stream pattern', () => {
  it('gives the publisher time for retries of throttled records, ending before API Gateway’s 29 s', () => {
    const publisher = template.toJSON().Resources[functionId('POST /stream/events')];
    expect(publisher.Properties.Timeout).toBeGreaterThan(10);
    expect(publisher.Properties.Timeout).toBeLessThan(29);
  });

  it('encrypts the stream and keeps records a day', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 2,
      RetentionPeriodHours: 24,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('consumes with bisect, bounded retries and record age, partial responses and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('forgets applied event ids by TTL and alarms on iterator age', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Threshold: 60_000,
    });
  });

  it('lets the publisher write to the stream and nothing else', () => {
    const actions = actionsOf(functionId('POST /stream/events'));
    expect(actions.filter((action) => action.startsWith('kinesis:')).sort()).toEqual(
      expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords']),
    );
    expect(actions.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
  });
});

/** Each statement a function's role has, as action and resource lists. */
function statementsOf(
  functionLogicalId: string,
): Array<{ actions: string[]; resources: unknown[]; conditions?: Record<string, Record<string, unknown>> }> {
  const fn = template.toJSON().Resources[functionLogicalId];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap((policy) =>
    (
      policy as {
        Properties: {
          PolicyDocument: {
            Statement: Array<{
              Action: string | string[];
              Resource: unknown;
              Condition?: Record<string, Record<string, unknown>>;
            }>;
          };
        };
      }
    ).Properties.PolicyDocument.Statement.map((statement) => ({
      actions: [statement.Action].flat(),
      resources: [statement.Resource].flat(),
      conditions: statement.Condition,
    })),
  );
}

/** The S3 actions a function may take, by the key pattern they apply to (`incoming/*`). */
function s3GrantsOf(functionLogicalId: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const { actions, resources } of statementsOf(functionLogicalId)) {
    const s3 = actions.filter((action) => action.startsWith('s3:'));
    for (const resource of s3.length > 0 ? resources : []) {
      const keys =
        /\/(.*)$/.exec(JSON.stringify(resource))?.[1]?.replace(/"\]\]\}$/, '') ?? JSON.stringify(resource);
      grants[keys] = [...(grants[keys] ?? []), ...s3].sort();
    }
  }
  return grants;
}

describe('file drop pattern', () => {
  const bucketId = () => {
    const ids = Object.keys(
      template.findResources('AWS::S3::Bucket', {
        Properties: {
          LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'quarantine/' })]) },
        },
      }),
    );
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };

  it('expires quarantined files, abandoned uploads and incomplete multipart uploads', () => {
    const bucket = template.toJSON().Resources[bucketId()];
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'quarantine/', ExpirationInDays: 30, Status: 'Enabled' }),
        expect.objectContaining({
          Prefix: 'incoming/',
          ExpirationInDays: 7,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ]),
    );
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
  });

  it('sends ObjectCreated events under incoming/ to the processor', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId() },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [functionId('S3 ObjectCreated'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('retries a failed event twice, then keeps it in an encrypted queue that alarms', () => {
    const config = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(config).toHaveLength(1);
    expect(config[0]?.Properties).toMatchObject({
      FunctionName: { Ref: functionId('S3 ObjectCreated') },
      MaximumRetryAttempts: 2,
      Qualifier: '$LATEST',
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [expect.stringMatching(/^FileDropProcessorFailures/), 'Arn'] },
        },
      },
    });
  });

  it('lets each function touch only its own part of the bucket', () => {
    expect(s3GrantsOf(functionId('POST /files'))).toEqual({
      'incoming/*': ['s3:AbortMultipartUpload', 's3:PutObject'],
    });
    expect(s3GrantsOf(functionId('GET /files'))).toEqual({ 'processed/*': ['s3:GetObject'] });
    expect(s3GrantsOf(functionId('S3 ObjectCreated'))).toEqual({
      'incoming/*': ['s3:DeleteObject', 's3:GetObject'],
      'processed/*': ['s3:PutObject'],
      'quarantine/*': ['s3:PutObject'],
    });
    for (const prefix of ['POST /files', 'GET /files', 'S3 ObjectCreated']) {
      expect(actionsOf(functionId(prefix))).not.toContain('s3:ListBucket');
    }
  });

  it('validates POST /files bodies against the upload request schema', () => {
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'FileUploadRequest',
      ContentType: 'application/json',
    });
  });
});

describe('shared database pattern', () => {
  const sharedTableId = () => {
    const found = Object.keys(
      template.findResources('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        },
      }),
    ).filter((id) => id.startsWith('SharedDatabaseSharedOrders'));
    expect(found).toHaveLength(1);
    return found[0] as string;
  };
  const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;
  /** Every statement of every function that lets it write the shared table. */
  const writesToSharedTable = () => {
    const arn = { 'Fn::GetAtt': [sharedTableId(), 'Arn'] };
    return Object.keys(template.findResources('AWS::Lambda::Function')).flatMap((id) =>
      statementsOf(id)
        .filter(
          (statement) =>
            statement.actions.some((action) => WRITES.test(action)) &&
            statement.resources.some((resource) => JSON.stringify(resource) === JSON.stringify(arn)),
        )
        .map((statement) => ({ id, ...statement })),
    );
  };

  it('keeps the shared orders in one encrypted table whose stream carries old and new images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('lets exactly two functions write it: UpdateItem only, each naming only its application’s attributes', () => {
    const writes = writesToSharedTable();
    expect(writes.map((write) => write.id).sort()).toEqual(
      [functionId('PUT /shared/orders'), functionId('PATCH /shared/orders')].sort(),
    );
    for (const write of writes) {
      expect(write.actions).toEqual(['dynamodb:UpdateItem']);
      expect(write.conditions?.StringEqualsIfExists).toEqual({
        'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
      });
    }
    const attributesOf = (prefix: string) =>
      writes.find((write) => write.id === functionId(prefix))?.conditions?.['ForAllValues:StringEquals']?.[
        'dynamodb:Attributes'
      ];
    expect(attributesOf('PUT /shared/orders')).toEqual([...SHARED_ATTRIBUTES, ...ORDERS_APP_ATTRIBUTES]);
    expect(attributesOf('PATCH /shared/orders')).toEqual([
      ...SHARED_ATTRIBUTES,
      ...ACCOUNTING_APP_ATTRIBUTES,
    ]);
  });

  it('does not let the accounting application change an order field', () => {
    const accounting = writesToSharedTable().filter(
      (write) => write.id === functionId('PATCH /shared/orders'),
    );
    const allowed = accounting.flatMap(
      (write) => write.conditions?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'] as string[],
    );
    expect(allowed.filter((name) => (ORDERS_APP_ATTRIBUTES as readonly string[]).includes(name))).toEqual([]);
    // The other accounting functions only read the table's stream (the event source mapping's permissions).
    const STREAM_READS = [
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ];
    for (const prefix of ['Change feed consumer (accounting app)', 'GET /shared/accounting/inbox']) {
      const onSharedTable = statementsOf(functionId(prefix)).filter((statement) =>
        statement.resources.some((resource) => JSON.stringify(resource).includes(sharedTableId())),
      );
      expect(
        onSharedTable
          .flatMap((statement) => statement.actions)
          .filter((action) => !STREAM_READS.includes(action)),
      ).toEqual([]);
    }
  });

  it('feeds the history and the inbox from the stream, with bisect, bounded retries and an on-failure queue', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [sharedTableId(), 'StreamArn'] } },
    });
    expect(
      Object.values(mappings)
        .map((mapping) => mapping.Properties.FunctionName)
        .sort(),
    ).toEqual(
      [
        { Ref: functionId('Change feed consumer (accounting app)') },
        { Ref: functionId('Change feed consumer: records') },
      ].sort((a, b) => a.Ref.localeCompare(b.Ref)),
    );
    for (const mapping of Object.values(mappings)) {
      expect(mapping.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
    }
  });

  it('validates PUT and PATCH bodies against the domain’s schemas', () => {
    template.hasResourceProperties('AWS::ApiGateway::Model', { Name: 'Invoice', Schema: invoiceJsonSchema });
    for (const method of ['PUT', 'PATCH']) {
      template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: method,
        RequestModels: { 'application/json': Match.anyValue() },
        RequestValidatorId: Match.anyValue(),
      });
    }
  });
});

describe('CQRS pattern', () => {
  const tableId = (prefix: string) => {
    const ids = Object.keys(template.findResources('AWS::DynamoDB::Table')).filter((id) =>
      id.startsWith(prefix),
    );
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };
  const table = (prefix: string) => template.toJSON().Resources[tableId(prefix)].Properties;
  /** The DynamoDB actions a function may take on a table (its ARN or anything below it, such as indexes). */
  const actionsOn = (functionPrefix: string, tablePrefix: string) =>
    statementsOf(functionId(functionPrefix))
      .filter((statement) =>
        statement.resources.some((resource) =>
          JSON.stringify(resource).includes(`"${tableId(tablePrefix)}"`),
        ),
      )
      .flatMap((statement) => statement.actions)
      .filter((action) => action.startsWith('dynamodb:'))
      .sort();
  const COMMANDS = 'POST /cqrs/orders and';
  const PROJECTOR = 'DynamoDB stream of the CQRS event log';
  const QUERIES = ['GET /cqrs/orders/{orderId}', 'GET /cqrs/customers/{customerId}/summary'];
  const WRITES = /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete)|\*)$/;

  it('keeps the log by order and numeric version, streaming new events only; the read models by their keys', () => {
    expect(table('CqrsEventLog')).toMatchObject({
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'version', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([{ AttributeName: 'version', AttributeType: 'N' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(table('CqrsOrderViews').KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(table('CqrsCustomerOrders').KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'orderId', KeyType: 'RANGE' },
    ]);
  });

  it('projects from the log’s stream with bisect, bounded retries and age, partial responses and a failure queue', () => {
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: { 'Fn::GetAtt': [tableId('CqrsEventLog'), 'StreamArn'] } },
      }),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toEqual({
      FunctionName: { Ref: functionId(PROJECTOR) },
      EventSourceArn: expect.anything(),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [expect.stringMatching(/^CqrsProjectorFailures/), 'Arn'] },
        },
      },
    });
  });

  it('alarms on the first failed batch and when the projector is a minute behind', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CqrsProjectorFailures'), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(PROJECTOR) } }],
      Statistic: 'Maximum',
      Threshold: 60_000,
    });
  });

  it('lets the command side query and append to the log, and nothing else: no update or delete of an event', () => {
    const onLog = actionsOn(COMMANDS, 'CqrsEventLog');
    expect(onLog).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
    expect(onLog).not.toContain('dynamodb:UpdateItem');
    expect(onLog).not.toContain('dynamodb:DeleteItem');
    // Its other table holds Idempotency-Key records: exactly what Powertools' DynamoDB layer calls.
    expect(actionsOn(COMMANDS, 'CqrsPlaceOrderIdempotency').sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    const all = actionsOf(functionId(COMMANDS)).filter((action) => action.startsWith('dynamodb:'));
    expect([...new Set(all)].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets the projector read the log and write the read models, and the queries only read the read models', () => {
    const projectorOnLog = actionsOn(PROJECTOR, 'CqrsEventLog');
    expect(projectorOnLog).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetRecords']));
    expect(projectorOnLog.filter((action) => WRITES.test(action))).toEqual([]);
    for (const model of ['CqrsOrderViews', 'CqrsCustomerOrders']) {
      expect(actionsOn(PROJECTOR, model)).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem']),
      );
      for (const query of QUERIES) {
        expect(actionsOn(query, model)).toEqual(expect.arrayContaining(['dynamodb:Query']));
        expect(actionsOn(query, model).filter((action) => WRITES.test(action))).toEqual([]);
      }
    }
    for (const query of QUERIES) {
      expect(actionsOn(query, 'CqrsEventLog')).toEqual([]);
    }
  });

  it('routes the three commands to one function and validates each body against its schema', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    const toCommands = methods.filter((method) =>
      JSON.stringify(method.Properties.Integration).includes(`"${functionId(COMMANDS)}"`),
    );
    expect(toCommands).toHaveLength(3);
    for (const method of toCommands) {
      expect(method.Properties).toMatchObject({
        HttpMethod: 'POST',
        RequestValidatorId: expect.anything(),
        RequestModels: { 'application/json': expect.anything() },
      });
    }
    const pathParts = Object.values(template.findResources('AWS::ApiGateway::Resource')).map(
      (resource) => resource.Properties.PathPart,
    );
    expect(pathParts).toEqual(expect.arrayContaining(['cqrs', 'pay', 'cancel', '{customerId}', 'summary']));
    for (const [name, schema] of [
      ['CqrsPlaceOrder', placeOrderJsonSchema],
      ['CqrsPayOrder', payOrderJsonSchema],
      ['CqrsCancelOrder', cancelOrderJsonSchema],
    ] as const) {
      template.hasResourceProperties('AWS::ApiGateway::Model', { Name: name, Schema: schema });
    }
  });

  it('exports the table names and the failure queue the rebuild command and the tests use', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'CqrsEventLogTableName',
        'CqrsOrderViewsTableName',
        'CqrsCustomerOrdersTableName',
        'CqrsProjectorFailuresQueueUrl',
      ]),
    );
  });
});

describe('publish/subscribe pattern', () => {
  type QueueProperties = {
    RedrivePolicy: { deadLetterTargetArn: unknown; maxReceiveCount: number };
    SqsManagedSseEnabled?: boolean;
  };
  const queueProperties = (prefix: string) =>
    Object.entries(template.findResources('AWS::SQS::Queue')).find(([id]) => id.startsWith(prefix))?.[1]
      .Properties as QueueProperties | undefined;
  // The pattern's topic; the other one is the operations alerts topic (test/infra/operations-alerts.test.ts).
  const topicId = () => {
    const ids = Object.keys(template.findResources('AWS::SNS::Topic')).filter((id) =>
      id.startsWith('PubSub'),
    );
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };
  /** The subscription whose queue's logical id starts with `queuePrefix`. */
  const subscriptionTo = (queuePrefix: string) => {
    const found = Object.values(template.findResources('AWS::SNS::Subscription')).filter((subscription) =>
      JSON.stringify(subscription.Properties.Endpoint).includes(`"${queuePrefix}`),
    );
    expect(found).toHaveLength(1);
    return found[0]?.Properties as Record<string, unknown>;
  };

  it('publishes to one topic, encrypted with KMS, that refuses requests without TLS', () => {
    const topic = template.toJSON().Resources[topicId()].Properties;
    expect(JSON.stringify(topic.KmsMasterKeyId)).toContain(':alias/aws/sns');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes three queues: accounting to everything, shipping and analytics through filter policies', () => {
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toHaveLength(3);
    const accounting = subscriptionTo('PubSubAccountingQueue');
    expect(accounting).toMatchObject({ Protocol: 'sqs', TopicArn: { Ref: topicId() } });
    expect(accounting.FilterPolicy).toBeUndefined();
    expect(accounting.RawMessageDelivery).not.toBe(true);
    expect(subscriptionTo('PubSubShippingQueue')).toMatchObject({
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicy: { needsShipping: ['true'] },
    });
    expect(subscriptionTo('PubSubAnalyticsQueue')).toMatchObject({
      Protocol: 'sqs',
      RawMessageDelivery: true,
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { eventType: ['OrderPlaced'] },
    });
  });

  it('gives every subscription and every subscriber queue the subscriber’s own dead-letter queue', () => {
    for (const name of ['Accounting', 'Shipping', 'Analytics']) {
      const queue = queueProperties(`PubSub${name}Queue`);
      const deadLetterArn = queue?.RedrivePolicy.deadLetterTargetArn;
      expect(JSON.stringify(deadLetterArn)).toContain(`PubSub${name}DeadLetters`);
      expect(queue?.RedrivePolicy.maxReceiveCount).toBe(3);
      expect(subscriptionTo(`PubSub${name}Queue`).RedrivePolicy).toEqual({
        deadLetterTargetArn: deadLetterArn,
      });
      expect(queue?.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('lets SNS send to each queue only from this topic', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('sns.amazonaws.com'),
    );
    // Three subscriber queues and their three dead-letter queues (SNS redrives failed deliveries there).
    expect(policies).toHaveLength(6);
    for (const policy of policies) {
      const allows = policy.Properties.PolicyDocument.Statement.filter(
        (statement: { Effect: string; Principal?: { Service?: string } }) =>
          statement.Effect === 'Allow' && statement.Principal?.Service === 'sns.amazonaws.com',
      );
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { Ref: topicId() } } },
      });
    }
  });

  it('lets only the publisher publish, and each subscriber call only GET /events/orders/{orderId}', () => {
    const publishers = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      actionsOf(id).includes('sns:Publish'),
    );
    expect(publishers).toEqual([functionId('POST /events/orders')]);
    for (const name of ['Accounting', 'Shipping', 'Analytics']) {
      const invokes = statementsOf(functionId(`${name} subscriber`)).filter((statement) =>
        statement.actions.includes('execute-api:Invoke'),
      );
      expect(invokes).toHaveLength(1);
      expect(JSON.stringify(invokes[0]?.resources)).toMatch(/\/GET\/events\/orders\/\*"/);
      expect(actionsOf(functionId(`${name} subscriber`))).not.toContain('dynamodb:UpdateItem');
    }
  });

  it('guards GET /events/orders/{orderId} with IAM instead of the API key, and the rest with the key', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (method) => method.Properties,
    );
    const eventsMethods = methods.filter((method) =>
      JSON.stringify(method.Integration?.Uri ?? '').match(/PubSub(PublishOrder|GetOrder|ListDeliveries)/),
    );
    expect(eventsMethods).toHaveLength(3);
    const getOrder = eventsMethods.find((method) =>
      JSON.stringify(method.Integration.Uri).includes('GetOrder'),
    );
    expect(getOrder).toMatchObject({
      HttpMethod: 'GET',
      AuthorizationType: 'AWS_IAM',
      ApiKeyRequired: false,
    });
    for (const method of eventsMethods.filter((m) => m !== getOrder)) {
      expect(method).toMatchObject({ ApiKeyRequired: true, AuthorizationType: 'NONE' });
    }
  });

  it('exports the topic and the subscribers’ dead-letter queues', () => {
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining([
        'OrderEventsTopicArn',
        'AccountingDeadLetterQueueUrl',
        'ShippingDeadLetterQueueUrl',
        'AnalyticsDeadLetterQueueUrl',
      ]),
    );
  });
});

describe('real-time push pattern', () => {
  const routes = () =>
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties as { RouteKey: string; AuthorizationType?: string; AuthorizerId?: unknown },
    );

  it('serves a WebSocket API routed by the message’s action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    expect(
      routes()
        .map((route) => route.RouteKey)
        .sort(),
    ).toEqual(['$connect', '$default', '$disconnect', 'subscribe']);
  });

  it('authorizes $connect with a Lambda authorizer that needs a ticket in the query string', () => {
    const connect = routes().find((route) => route.RouteKey === '$connect');
    expect(connect?.AuthorizationType).toBe('CUSTOM');
    expect(connect?.AuthorizerId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.ticket'],
    });
  });

  it('answers subscribe and unknown actions on the socket (route responses)', () => {
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::RouteResponse'))).toHaveLength(2);
  });

  it('throttles the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('connectionId') },
    });
  });

  it('keeps tickets, connections and subscriptions in tables that expire them', () => {
    for (const prefix of ['StatusPushTickets', 'StatusPushConnections', 'StatusPushSubscriptions']) {
      const [table] = Object.entries(template.findResources('AWS::DynamoDB::Table')).filter(([id]) =>
        id.startsWith(prefix),
      );
      expect(table?.[1].Properties.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
    }
  });

  it('pushes from the queue, file drop and CQRS status streams, from the latest record, with an on-failure queue', () => {
    const pusher = functionId('Status-table streams');
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: pusher } },
      }),
    ).map((mapping) => mapping.Properties);
    expect(mappings).toHaveLength(3);
    const sources = mappings.map((mapping) => JSON.stringify(mapping.EventSourceArn)).sort();
    expect(
      sources.map((source) => /"\w+?(OrderStatuses|FileRecords|OrderViews)/.exec(source)?.[1]).sort(),
    ).toEqual(['FileRecords', 'OrderStatuses', 'OrderViews']);
    for (const mapping of mappings) {
      expect(mapping).toMatchObject({
        StartingPosition: 'LATEST',
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [expect.stringMatching(/^StatusPushPusherFailures/), 'Arn'] },
          },
        },
      });
    }
    for (const prefix of ['MessageQueueOrderStatuses', 'FileDropFileRecords', 'CqrsOrderViews']) {
      const [table] = Object.entries(template.findResources('AWS::DynamoDB::Table')).filter(([id]) =>
        id.startsWith(prefix),
      );
      expect(table?.[1].Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    }
  });

  it('lets only the pusher post to connections, and only on this API', () => {
    const managers = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
      actionsOf(id).includes('execute-api:ManageConnections'),
    );
    expect(managers).toEqual([functionId('Status-table streams')]);
  });

  it('exports the WebSocket URL', () => {
    expect(template.toJSON().Outputs.WebSocketUrl).toBeDefined();
  });
});

describe('one template for every target', () => {
  it('names no local endpoint, emulator or target anywhere in the template', () => {
    // The local cloud and LocalStack inject their endpoints at run time; AWS has none to inject.
    const text = JSON.stringify(template.toJSON());
    for (const localOnly of [
      '127.0.0.1',
      'localhost',
      'localstack',
      '.local-cloud',
      'E2E_',
      'AWS_ENDPOINT_URL',
    ]) {
      expect(text.toLowerCase(), localOnly).not.toContain(localOnly.toLowerCase());
    }
  });

  it('gives no function an endpoint or credentials in its environment', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThan(0);
    for (const [id, resource] of Object.entries(functions)) {
      const variables = Object.keys(resource.Properties?.Environment?.Variables ?? {});
      expect(
        variables.filter((name) => /^AWS_(ENDPOINT_URL|ACCESS_KEY_ID|SECRET_ACCESS_KEY|REGION)/.test(name)),
        id,
      ).toEqual([]);
    }
  });

  it('outputs everything the e2e suite reads from a cdk deploy outputs file', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'ApiKeyId', ...SUITE_OUTPUTS]));
  });
});
