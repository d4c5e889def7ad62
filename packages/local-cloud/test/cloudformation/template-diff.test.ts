import { describe, expect, it } from 'vitest';
import { diffTemplates, type ResourceChange } from '../../src/cloudformation/template-diff.ts';
import type { CfnTemplate } from '../../src/cloudformation/types.ts';

/** The change of one logical id between a template with `before` and one with `after` as its only resource. */
function changeOf(
  type: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ResourceChange {
  const changes = diffTemplates(
    { Resources: { Subject: { Type: type, Properties: before } } },
    { Resources: { Subject: { Type: type, Properties: after } } },
  );
  return changes.find((change) => change.logicalId === 'Subject') as ResourceChange;
}

function byId(changes: readonly ResourceChange[]): Record<string, ResourceChange> {
  return Object.fromEntries(changes.map((change) => [change.logicalId, change]));
}

// For each supported type: a property that updates in place and one that requires replacement, per the
// "Update requires" lines of the CloudFormation resource reference.
const CASES: ReadonlyArray<{
  type: string;
  base: Record<string, unknown>;
  inPlace: Record<string, unknown>;
  replacing: Record<string, unknown>;
}> = [
  {
    type: 'AWS::DynamoDB::Table',
    base: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
    inPlace: { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } },
    replacing: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
  },
  {
    type: 'AWS::SQS::Queue',
    base: { VisibilityTimeout: 30 },
    inPlace: { VisibilityTimeout: 60 },
    replacing: { FifoQueue: true },
  },
  {
    type: 'AWS::S3::Bucket',
    base: {},
    inPlace: { CorsConfiguration: { CorsRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] } },
    replacing: { BucketName: 'files' },
  },
  {
    type: 'AWS::SNS::Topic',
    base: {},
    inPlace: { DisplayName: 'Orders' },
    replacing: { TopicName: 'orders' },
  },
  {
    type: 'AWS::SNS::Subscription',
    base: { Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:a', TopicArn: 't' },
    inPlace: { RawMessageDelivery: true },
    replacing: { Endpoint: 'arn:aws:sqs:us-east-1:000000000000:b' },
  },
  {
    type: 'AWS::Kinesis::Stream',
    base: { ShardCount: 1 },
    inPlace: { ShardCount: 2 },
    replacing: { Name: 'events' },
  },
  {
    type: 'AWS::Lambda::Function',
    base: { Handler: 'index.handler', Code: { S3Key: 'a.zip' } },
    inPlace: { Code: { S3Key: 'b.zip' } },
    replacing: { FunctionName: 'record-order' },
  },
  {
    type: 'AWS::Lambda::EventSourceMapping',
    base: { FunctionName: 'f', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:a' },
    inPlace: { BatchSize: 5 },
    replacing: { EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:b' },
  },
  {
    type: 'AWS::Lambda::EventInvokeConfig',
    base: { FunctionName: 'f', Qualifier: '$LATEST' },
    inPlace: { MaximumRetryAttempts: 0 },
    replacing: { FunctionName: 'g' },
  },
  {
    type: 'AWS::ApiGateway::Resource',
    base: { RestApiId: 'api', ParentId: 'root', PathPart: 'orders' },
    inPlace: {},
    replacing: { PathPart: 'invoices' },
  },
  {
    type: 'AWS::ApiGateway::Method',
    base: { RestApiId: 'api', ResourceId: 'r', HttpMethod: 'GET' },
    inPlace: { ApiKeyRequired: true },
    replacing: { HttpMethod: 'POST' },
  },
  {
    type: 'AWS::ApiGateway::Stage',
    base: { RestApiId: 'api', StageName: 'prod', DeploymentId: 'd1' },
    inPlace: { DeploymentId: 'd2' },
    replacing: { StageName: 'live' },
  },
  {
    type: 'AWS::ApiGateway::ApiKey',
    base: { Enabled: true },
    inPlace: { Enabled: false },
    replacing: { Value: 'a-key-of-twenty-chars-or-more' },
  },
  {
    type: 'AWS::ApiGatewayV2::Route',
    base: { ApiId: 'ws', RouteKey: 'subscribe' },
    inPlace: { RouteKey: 'follow' },
    replacing: { ApiId: 'other' },
  },
  {
    type: 'AWS::ApiGatewayV2::Stage',
    base: { ApiId: 'ws', StageName: 'live' },
    inPlace: { AutoDeploy: true },
    replacing: { StageName: 'prod' },
  },
];

describe('diffTemplates', () => {
  it.each(CASES)('updates a $type in place or replaces it, as its properties require', (entry) => {
    const inPlace = changeOf(entry.type, entry.base, { ...entry.base, ...entry.inPlace });
    const replaced = changeOf(entry.type, entry.base, { ...entry.base, ...entry.replacing });
    const unchanged = changeOf(entry.type, entry.base, { ...entry.base });
    if (Object.keys(entry.inPlace).length > 0) {
      expect(inPlace).toMatchObject({ action: 'update', replacement: false });
      expect(inPlace.changedProperties).toEqual(Object.keys(entry.inPlace));
    }
    expect(replaced).toMatchObject({ action: 'update', replacement: true });
    expect(replaced.changedProperties).toEqual(Object.keys(entry.replacing));
    expect(unchanged).toMatchObject({ action: 'unchanged', replacement: false, changedProperties: [] });
  });

  it('lists created, deleted and unchanged resources', () => {
    const changes = byId(
      diffTemplates(
        {
          Resources: {
            Orders: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [] } },
            Old: { Type: 'AWS::SQS::Queue' },
          },
        },
        {
          Resources: {
            Orders: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [] } },
            New: { Type: 'AWS::SNS::Topic' },
          },
        },
      ),
    );
    expect(changes.Orders?.action).toBe('unchanged');
    expect(changes.New).toMatchObject({ action: 'create', type: 'AWS::SNS::Topic' });
    expect(changes.Old).toMatchObject({ action: 'delete', type: 'AWS::SQS::Queue' });
  });

  it('treats an added table attribute as an update and an edited one as a replacement', () => {
    const base = { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] };
    const added = changeOf('AWS::DynamoDB::Table', base, {
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'sku', AttributeType: 'S' },
      ],
    });
    const edited = changeOf('AWS::DynamoDB::Table', base, {
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
    });
    expect(added).toMatchObject({ action: 'update', replacement: false });
    expect(edited).toMatchObject({ action: 'update', replacement: true });
  });

  it('ignores changes to Metadata, DependsOn and the policies', () => {
    const changes = diffTemplates(
      {
        Resources: {
          Fn: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'a' }, Metadata: { x: 1 } },
        },
      },
      {
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Handler: 'a' },
            Metadata: { x: 2 },
            DeletionPolicy: 'Retain',
          },
        },
      },
    );
    expect(changes[0]?.action).toBe('unchanged');
  });

  it('carries a replacement through Ref and Fn::GetAtt to what references the replaced resource', () => {
    const template = (queueName: string): CfnTemplate => ({
      Resources: {
        Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName } },
        Worker: {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { QUEUE_URL: { Ref: 'Jobs' } } } },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Worker' }, EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] } },
        },
        Subscription: {
          Type: 'AWS::SNS::Subscription',
          Properties: {
            Protocol: 'sqs',
            Endpoint: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
            TopicArn: { Ref: 'Topic' },
          },
        },
        Topic: { Type: 'AWS::SNS::Topic' },
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Threshold: 1 }, DependsOn: 'Jobs' },
      },
    });
    const changes = byId(diffTemplates(template('jobs'), template('jobs-v2')));
    expect(changes.Jobs).toMatchObject({
      action: 'update',
      replacement: true,
      changedProperties: ['QueueName'],
    });
    // The function's environment gets the new URL: an update in place.
    expect(changes.Worker).toMatchObject({
      action: 'update',
      replacement: false,
      changedProperties: ['Environment'],
      replacedReferences: ['Jobs'],
    });
    // EventSourceArn and Endpoint require replacement, so a new queue means a new mapping and subscription.
    expect(changes.Mapping).toMatchObject({
      action: 'update',
      replacement: true,
      replacedReferences: ['Jobs'],
    });
    expect(changes.Subscription).toMatchObject({ action: 'update', replacement: true });
    expect(changes.Topic?.action).toBe('unchanged');
    // DependsOn is an order, not a value: the alarm does not change.
    expect(changes.Alarm?.action).toBe('unchanged');
  });

  it('carries a replacement along a chain of references', () => {
    const template = (pathPart: string): CfnTemplate => ({
      Resources: {
        Orders: {
          Type: 'AWS::ApiGateway::Resource',
          Properties: { RestApiId: 'api', ParentId: 'root', PathPart: pathPart },
        },
        OrderId: {
          Type: 'AWS::ApiGateway::Resource',
          Properties: { RestApiId: 'api', ParentId: { Ref: 'Orders' }, PathPart: '{orderId}' },
        },
        Get: {
          Type: 'AWS::ApiGateway::Method',
          Properties: { RestApiId: 'api', ResourceId: { Ref: 'OrderId' }, HttpMethod: 'GET' },
        },
      },
    });
    const changes = byId(diffTemplates(template('orders'), template('purchase-orders')));
    expect(changes.Orders?.replacement).toBe(true);
    expect(changes.OrderId).toMatchObject({ replacement: true, replacedReferences: ['Orders'] });
    expect(changes.Get).toMatchObject({ replacement: true, replacedReferences: ['OrderId'] });
  });

  it('refuses to replace a resource whose custom name stays, as CloudFormation does', () => {
    const change = changeOf(
      'AWS::DynamoDB::Table',
      { TableName: 'orders', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
      { TableName: 'orders', KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }] },
    );
    expect(change.refusal).toBe(
      'CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename "orders" and update the stack again.',
    );
    const renamed = changeOf(
      'AWS::DynamoDB::Table',
      { TableName: 'orders', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
      { TableName: 'orders-v2', KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }] },
    );
    expect(renamed).toMatchObject({ replacement: true });
    expect(renamed.refusal).toBeUndefined();
  });

  it('refuses a change of type and a custom resource given another handler', () => {
    const retyped = diffTemplates(
      { Resources: { Thing: { Type: 'AWS::SQS::Queue' } } },
      { Resources: { Thing: { Type: 'AWS::SNS::Topic' } } },
    );
    expect(retyped[0]?.refusal).toMatch(/^Update of resource type is not permitted/);
    const rehandled = changeOf('Custom::S3BucketNotifications', { ServiceToken: 'a' }, { ServiceToken: 'b' });
    expect(rehandled.refusal).toBe('Modifying service token is not allowed.');
    const reconfigured = changeOf(
      'Custom::S3BucketNotifications',
      { ServiceToken: 'a', NotificationConfiguration: {} },
      { ServiceToken: 'a', NotificationConfiguration: { QueueConfigurations: [] } },
    );
    expect(reconfigured).toMatchObject({ action: 'update', replacement: false });
    expect(reconfigured.refusal).toBeUndefined();
  });
});
