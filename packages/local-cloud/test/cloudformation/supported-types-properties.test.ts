import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { restApiProviders } from '../../src/apigateway/providers.ts';
import { webSocketApiProviders } from '../../src/apigatewayv2/providers.ts';
import { ignoredProvider } from '../../src/cloudformation/ignored-types.ts';
import { TemplateError } from '../../src/cloudformation/template-error.ts';
import type { ResourceProvider } from '../../src/cloudformation/types.ts';
import { tableProvider } from '../../src/dynamodb/table-provider.ts';
import { eventSourceMappingProvider } from '../../src/event-sources/event-source-mapping-provider.ts';
import { streamProvider } from '../../src/kinesis/stream-provider.ts';
import { eventInvokeConfigProvider } from '../../src/lambda/event-invoke-config-provider.ts';
import { functionProvider } from '../../src/lambda/function-provider.ts';
import { BucketNotifications, bucketNotificationsProvider } from '../../src/s3/bucket-notifications.ts';
import { bucketProvider } from '../../src/s3/bucket-provider.ts';
import { SERVICES } from '../../src/services.ts';
import { subscriptionProvider } from '../../src/sns/subscription-provider.ts';
import { topicProvider } from '../../src/sns/topic-provider.ts';
import { queueProvider } from '../../src/sqs/queue-provider.ts';

/** Everything a provider could touch, each recording the call: a refused template must reach none of them. */
function recordingProviders(calls: string[]): Record<string, ResourceProvider> {
  // One answer fits every command the providers send: each reads only its own fields.
  const answer = {
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
    SubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:t:1',
    StreamDescriptionSummary: { StreamStatus: 'ACTIVE' },
    Table: { TableStatus: 'ACTIVE' },
  };
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      return answer;
    },
  } as never;
  const notifications = new BucketNotifications({
    delivery: {
      invokeAsync: async (arn) => {
        calls.push(`invoke ${arn}`);
      },
      sendMessage: async (arn) => {
        calls.push(`send ${arn}`);
      },
    },
    region: 'us-east-1',
    ownerId: 'local',
    objectDetails: async () => ({ size: 0, eTag: '' }),
  });
  return {
    ...restApiProviders(),
    ...webSocketApiProviders(),
    'AWS::Lambda::Function': functionProvider({
      host: { register: (config) => calls.push(`register ${config.functionName}`) },
      assetsByObjectKey: new Map([
        ['echo.zip', path.resolve(import.meta.dirname, '../fixtures/lambda/echo')],
      ]),
      scratchDirectory: path.resolve('.local-cloud/test'),
      rewriteEndpoints: (value) => value,
    }),
    'AWS::Lambda::EventInvokeConfig': eventInvokeConfigProvider({
      configure: (name) => calls.push(`configure ${name}`),
    }),
    'AWS::Lambda::EventSourceMapping': eventSourceMappingProvider({
      invoker: { invoke: async () => ({ kind: 'ok', payload: '' }) } as never,
      sqs: { client, endpoint: 'http://127.0.0.1:1' },
      onStarted: () => calls.push('started'),
    }),
    'AWS::DynamoDB::Table': tableProvider(client),
    'AWS::SQS::Queue': queueProvider(client, 'http://127.0.0.1:1'),
    'AWS::S3::Bucket': bucketProvider(client),
    'AWS::SNS::Topic': topicProvider(client),
    'AWS::SNS::Subscription': subscriptionProvider(client),
    'Custom::S3BucketNotifications': bucketNotificationsProvider(notifications),
    'AWS::Kinesis::Stream': streamProvider(client),
  };
}

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs';
const FUNCTION_URI =
  'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations';

/**
 * For each type the local cloud creates: properties that pass the check (with numbers and booleans as strings,
 * as intrinsics produce them, and a property the local cloud does not read), and bad ones with the problem the
 * error names. Required-ness and types follow each type's CloudFormation reference page (cited in its schema).
 */
const CASES: ReadonlyArray<{
  readonly type: string;
  readonly good: Record<string, unknown>;
  readonly bad: ReadonlyArray<readonly [Record<string, unknown>, string]>;
}> = [
  {
    type: 'AWS::SQS::Queue',
    good: { QueueName: 'jobs', VisibilityTimeout: '30', FifoQueue: 'false', SqsManagedSseEnabled: true },
    bad: [
      [{ VisibilityTimeout: 'abc' }, 'property VisibilityTimeout: expected number, got "abc"'],
      [{ RedrivePolicy: 3 }, 'property RedrivePolicy: expected string or object, got 3'],
    ],
  },
  {
    type: 'AWS::SNS::Topic',
    good: { TopicName: 't', FifoTopic: 'false', Subscription: [{ Protocol: 'sqs', Endpoint: QUEUE_ARN }] },
    bad: [
      [{ FifoTopic: 'maybe' }, 'property FifoTopic: expected boolean, got "maybe"'],
      [
        { Subscription: [{ Protocol: 'sqs' }] },
        'property Subscription[0].Endpoint: required, expected string',
      ],
    ],
  },
  {
    type: 'AWS::SNS::Subscription',
    good: {
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Protocol: 'sqs',
      Endpoint: QUEUE_ARN,
      RawMessageDelivery: 'true',
    },
    bad: [
      [{ Protocol: 'sqs', Endpoint: QUEUE_ARN }, 'property TopicArn: required, expected string'],
      [
        { TopicArn: 'arn:aws:sns:us-east-1:000000000000:t', Protocol: 'sqs', RawMessageDelivery: 'yes' },
        'property RawMessageDelivery: expected boolean, got "yes"',
      ],
    ],
  },
  {
    type: 'AWS::S3::Bucket',
    good: { VersioningConfiguration: { Status: 'Enabled' }, PublicAccessBlockConfiguration: {} },
    bad: [
      [
        { VersioningConfiguration: { Status: 'On' } },
        'property VersioningConfiguration.Status: expected one of',
      ],
      [
        { CorsConfiguration: { CorsRules: [{ AllowedMethods: ['GET'] }] } },
        'property CorsConfiguration.CorsRules[0].AllowedOrigins: required, expected array',
      ],
    ],
  },
  {
    type: 'Custom::S3BucketNotifications',
    good: {
      ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:handler',
      BucketName: 'files',
      NotificationConfiguration: {
        QueueConfigurations: [{ QueueArn: QUEUE_ARN, Events: ['s3:ObjectCreated:*'] }],
      },
      Managed: 'true',
    },
    bad: [
      [{ NotificationConfiguration: {} }, 'property BucketName: required, expected string'],
      [
        { BucketName: 'files', NotificationConfiguration: { QueueConfigurations: {} } },
        'property NotificationConfiguration.QueueConfigurations: expected array, got {}',
      ],
    ],
  },
  {
    type: 'AWS::DynamoDB::Table',
    good: {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      ProvisionedThroughput: { ReadCapacityUnits: '5', WriteCapacityUnits: 5 },
      SSESpecification: { SSEEnabled: true },
    },
    bad: [
      [{ AttributeDefinitions: [] }, 'property KeySchema: required, expected array'],
      [
        {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          TimeToLiveSpecification: { Enabled: 'true' },
        },
        'property TimeToLiveSpecification.AttributeName: required when Enabled is true',
      ],
    ],
  },
  {
    type: 'AWS::Kinesis::Stream',
    good: { ShardCount: '2', RetentionPeriodHours: 24, StreamEncryption: { EncryptionType: 'KMS' } },
    bad: [
      [{ ShardCount: 'two' }, 'property ShardCount: expected number, got "two"'],
      [
        { StreamModeDetails: { StreamMode: 'FAST' } },
        'property StreamModeDetails.StreamMode: expected one of',
      ],
    ],
  },
  {
    type: 'AWS::Lambda::Function',
    good: {
      Code: { S3Key: 'echo.zip' },
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: '10',
      Role: 'arn:aws:iam::000000000000:role/r',
    },
    bad: [
      [{ Runtime: 'nodejs22.x' }, 'property Code: required, expected object'],
      [{ Code: { S3Key: 'echo.zip' }, MemorySize: '1GB' }, 'property MemorySize: expected number, got "1GB"'],
    ],
  },
  {
    type: 'AWS::Lambda::EventInvokeConfig',
    good: { FunctionName: 'f', Qualifier: '$LATEST', MaximumRetryAttempts: '1' },
    bad: [
      [{ Qualifier: '$LATEST' }, 'property FunctionName: required, expected string'],
      [
        { FunctionName: 'f', Qualifier: '$LATEST', MaximumEventAgeInSeconds: 'an hour' },
        'property MaximumEventAgeInSeconds: expected number, got "an hour"',
      ],
    ],
  },
  {
    type: 'AWS::Lambda::EventSourceMapping',
    good: { FunctionName: 'f', EventSourceArn: QUEUE_ARN, BatchSize: '5', Enabled: 'false' },
    bad: [
      [{ EventSourceArn: QUEUE_ARN }, 'property FunctionName: required, expected string'],
      [
        { FunctionName: 'f', EventSourceArn: QUEUE_ARN, BatchSize: 'ten' },
        'property BatchSize: expected number',
      ],
    ],
  },
  {
    type: 'AWS::ApiGateway::RestApi',
    good: { Name: 'api', BinaryMediaTypes: ['image~1png'], EndpointConfiguration: { Types: ['REGIONAL'] } },
    bad: [[{ BinaryMediaTypes: 'image/png' }, 'property BinaryMediaTypes: expected array, got "image/png"']],
  },
  {
    type: 'AWS::ApiGateway::Resource',
    good: { RestApiId: 'api', ParentId: 'root', PathPart: 'orders' },
    bad: [
      [{ RestApiId: 'api', ParentId: 'root' }, 'property PathPart: required, expected string'],
      [{ RestApiId: 'api', ParentId: 'root', PathPart: ['orders'] }, 'property PathPart: expected string'],
    ],
  },
  {
    type: 'AWS::ApiGateway::Method',
    good: {
      RestApiId: 'api',
      ResourceId: 'r',
      HttpMethod: 'GET',
      ApiKeyRequired: 'true',
      Integration: { Type: 'AWS_PROXY', Uri: FUNCTION_URI, TimeoutInMillis: '29000' },
    },
    bad: [
      [{ RestApiId: 'api', ResourceId: 'r' }, 'property HttpMethod: required, expected string'],
      [
        { RestApiId: 'api', ResourceId: 'r', HttpMethod: 'GET', Integration: { Uri: FUNCTION_URI } },
        'property Integration.Type: required, expected string',
      ],
      [
        {
          RestApiId: 'api',
          ResourceId: 'r',
          HttpMethod: 'GET',
          RequestParameters: { 'method.request.path.id': 'yes' },
        },
        'property RequestParameters.method.request.path.id: expected boolean, got "yes"',
      ],
    ],
  },
  {
    type: 'AWS::ApiGateway::Model',
    good: { RestApiId: 'api', ContentType: 'application/json', Schema: '{"type":"object"}' },
    bad: [[{ Schema: {} }, 'property RestApiId: required, expected string']],
  },
  {
    type: 'AWS::ApiGateway::RequestValidator',
    good: { RestApiId: 'api', ValidateRequestBody: 'true' },
    bad: [
      [{ ValidateRequestBody: true }, 'property RestApiId: required, expected string'],
      [{ RestApiId: 'api', ValidateRequestBody: 'always' }, 'property ValidateRequestBody: expected boolean'],
    ],
  },
  {
    type: 'AWS::ApiGateway::Deployment',
    good: { RestApiId: 'api', Description: 'd' },
    bad: [[{}, 'property RestApiId: required, expected string']],
  },
  {
    type: 'AWS::ApiGateway::Stage',
    good: {
      RestApiId: 'api',
      StageName: 'prod',
      MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: '100' }],
    },
    bad: [
      [{ StageName: 'prod' }, 'property RestApiId: required, expected string'],
      [
        { RestApiId: 'api', MethodSettings: [{ ThrottlingBurstLimit: 'lots' }] },
        'property MethodSettings[0].ThrottlingBurstLimit: expected number, got "lots"',
      ],
    ],
  },
  {
    type: 'AWS::ApiGateway::ApiKey',
    good: { Enabled: 'true' },
    bad: [
      [{ Enabled: 'on' }, 'property Enabled: expected boolean, got "on"'],
      [{ Value: 'short' }, 'property Value: an API key must be 20 to 128 characters long'],
    ],
  },
  {
    type: 'AWS::ApiGateway::UsagePlan',
    good: {
      ApiStages: [{ ApiId: 'api', Stage: 'prod', Throttle: { '/orders/GET': { RateLimit: 5 } } }],
      Throttle: { RateLimit: '10', BurstLimit: '20' },
      Quota: { Limit: '1000', Period: 'DAY' },
    },
    bad: [
      [
        { Quota: { Limit: 10, Period: 'YEAR' } },
        'property Quota.Period: expected one of "DAY", "WEEK", "MONTH"',
      ],
      [{ Throttle: { BurstLimit: 'many' } }, 'property Throttle.BurstLimit: expected number, got "many"'],
    ],
  },
  {
    type: 'AWS::ApiGateway::UsagePlanKey',
    good: { KeyId: 'k', KeyType: 'API_KEY', UsagePlanId: 'p' },
    bad: [
      [{ KeyId: 'k', KeyType: 'API_KEY' }, 'property UsagePlanId: required, expected string'],
      [{ KeyId: 'k', KeyType: 'SECRET', UsagePlanId: 'p' }, 'property KeyType: expected one of "API_KEY"'],
    ],
  },
  {
    type: 'AWS::ApiGateway::GatewayResponse',
    good: { RestApiId: 'api', ResponseType: 'DEFAULT_4XX', StatusCode: 400 },
    bad: [
      [{ RestApiId: 'api' }, 'property ResponseType: required, expected string'],
      [
        { RestApiId: 'api', ResponseType: 'DEFAULT_4XX', ResponseParameters: { a: ['x'] } },
        'property ResponseParameters.a: expected string',
      ],
    ],
  },
  {
    type: 'AWS::ApiGateway::Account',
    good: { CloudWatchRoleArn: 'arn:aws:iam::000000000000:role/logs' },
    bad: [[{ CloudWatchRoleArn: { Ref: 'Role' } }, 'property CloudWatchRoleArn: expected string']],
  },
  {
    type: 'AWS::ApiGatewayV2::Api',
    good: { Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
    bad: [
      [
        { ProtocolType: 'HTTP' },
        'property ProtocolType: only WebSocket APIs (WEBSOCKET) run on the local cloud',
      ],
      [
        { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: {} },
        'property RouteSelectionExpression: expected string',
      ],
    ],
  },
  {
    type: 'AWS::ApiGatewayV2::Route',
    good: { ApiId: 'ws', RouteKey: '$connect', AuthorizationType: 'CUSTOM', AuthorizerId: 'a' },
    bad: [[{ ApiId: 'ws' }, 'property RouteKey: required, expected string']],
  },
  {
    type: 'AWS::ApiGatewayV2::RouteResponse',
    good: { ApiId: 'ws', RouteId: 'r', RouteResponseKey: '$default' },
    bad: [[{ ApiId: 'ws', RouteResponseKey: '$default' }, 'property RouteId: required, expected string']],
  },
  {
    type: 'AWS::ApiGatewayV2::Integration',
    good: { ApiId: 'ws', IntegrationType: 'AWS_PROXY', IntegrationUri: FUNCTION_URI },
    bad: [
      [{ ApiId: 'ws', IntegrationUri: FUNCTION_URI }, 'property IntegrationType: required, expected string'],
    ],
  },
  {
    type: 'AWS::ApiGatewayV2::Authorizer',
    good: {
      ApiId: 'ws',
      AuthorizerType: 'REQUEST',
      Name: 'auth',
      IdentitySource: ['route.request.querystring.token'],
    },
    bad: [
      [{ ApiId: 'ws', AuthorizerType: 'REQUEST' }, 'property Name: required, expected string'],
      [
        { ApiId: 'ws', AuthorizerType: 'REQUEST', Name: 'auth', IdentitySource: 'route.request.header.x' },
        'property IdentitySource: expected array',
      ],
    ],
  },
  {
    type: 'AWS::ApiGatewayV2::Deployment',
    good: { ApiId: 'ws' },
    bad: [[{ StageName: 'prod' }, 'property ApiId: required, expected string']],
  },
  {
    type: 'AWS::ApiGatewayV2::Stage',
    good: { ApiId: 'ws', StageName: 'prod', AutoDeploy: true },
    bad: [[{ ApiId: 'ws' }, 'property StageName: required, expected string']],
  },
];

function request(type: string, properties: Record<string, unknown>) {
  return {
    logicalId: 'Subject',
    type,
    properties,
    stackName: 'DataSharingStack',
    region: 'us-east-1',
    accountId: '000000000000',
  };
}

describe('the properties of every resource type the local cloud creates', () => {
  it('has a case for each provider', () => {
    expect(CASES.map((entry) => entry.type).sort()).toEqual(Object.keys(recordingProviders([])).sort());
  });

  describe.each(CASES)('$type', ({ type, good, bad }) => {
    it.each(bad)(
      'refuses %j before creating anything, naming the resource and property',
      async (properties, problem) => {
        const calls: string[] = [];
        const provider = recordingProviders(calls)[type] as ResourceProvider;
        const refusal = provider.create(request(type, properties));
        await expect(refusal).rejects.toThrow(TemplateError);
        await expect(refusal).rejects.toThrow(`DataSharingStack: resource Subject (${type}): ${problem}`);
        expect(calls).toEqual([]);
      },
    );

    it('takes a good template, strings for numbers and booleans and unread properties included', async () => {
      const calls: string[] = [];
      const provider = recordingProviders(calls)[type] as ResourceProvider;
      await expect(provider.create(request(type, good))).resolves.toHaveProperty('physicalId');
    });
  });
});

const POLICY = { Version: '2012-10-17', Statement: [] };

/** The ignored types whose properties are checked: nothing is created, but a broken template still fails. */
const IGNORED_CASES: ReadonlyArray<{
  readonly type: string;
  readonly good: Record<string, unknown>;
  readonly bad: readonly [Record<string, unknown>, string];
}> = [
  {
    type: 'AWS::Lambda::Permission',
    good: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 'apigateway.amazonaws.com' },
    bad: [
      { Action: 'lambda:InvokeFunction', FunctionName: 'f' },
      'property Principal: required, expected string',
    ],
  },
  {
    type: 'AWS::SQS::QueuePolicy',
    good: { PolicyDocument: POLICY, Queues: ['https://sqs.us-east-1.amazonaws.com/000000000000/jobs'] },
    bad: [{ PolicyDocument: POLICY, Queues: 'jobs' }, 'property Queues: expected array, got "jobs"'],
  },
  {
    type: 'AWS::S3::BucketPolicy',
    good: { Bucket: 'files', PolicyDocument: JSON.stringify(POLICY) },
    bad: [{ Bucket: 'files' }, 'property PolicyDocument: required, expected string or object'],
  },
  {
    type: 'AWS::SNS::TopicPolicy',
    good: { PolicyDocument: POLICY, Topics: ['arn:aws:sns:us-east-1:000000000000:t'] },
    bad: [{ Topics: ['arn:aws:sns:us-east-1:000000000000:t'] }, 'property PolicyDocument: required'],
  },
];

describe.each(IGNORED_CASES)('the ignored $type', ({ type, good, bad: [properties, problem] }) => {
  const ignoredType = SERVICES.ignoredTypes.find((entry) => entry.type === type);
  const provider = ignoredProvider(ignoredType ?? { type, reason: 'missing from the ignored types' });

  it('refuses a template without what CloudFormation requires, naming the resource and property', async () => {
    await expect(provider.create(request(type, properties))).rejects.toThrow(
      `DataSharingStack: resource Subject (${type}): ${problem}`,
    );
  });

  it('takes a good one', async () => {
    await expect(provider.create(request(type, good))).resolves.toHaveProperty('physicalId');
  });
});
