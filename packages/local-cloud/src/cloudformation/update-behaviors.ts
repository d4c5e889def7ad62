import { isDeepStrictEqual } from 'node:util';

/**
 * What a change to a resource's properties does, per the "Update requires" line of each property in the
 * CloudFormation resource reference (and the `createOnlyProperties` of the type's registry schema, where the
 * reference lags behind it): most properties update in place; those listed here require replacement, a new
 * physical resource. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */
const REPLACEMENT_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html
  // (AttributeDefinitions is conditional: see replacingProperties.)
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'ImportSourceSpecification'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
  'AWS::SNS::Subscription': ['TopicArn', 'Protocol', 'Endpoint'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html
  'AWS::Kinesis::Stream': ['Name'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
  'AWS::Lambda::Function': ['FunctionName'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
  'AWS::Lambda::EventSourceMapping': [
    'EventSourceArn',
    'StartingPosition',
    'StartingPositionTimestamp',
    'SelfManagedEventSource',
    'AmazonManagedKafkaEventSourceConfig',
    'SelfManagedKafkaEventSourceConfig',
  ],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventinvokeconfig.html
  'AWS::Lambda::EventInvokeConfig': ['FunctionName', 'Qualifier'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
  'AWS::Lambda::Permission': [
    'Action',
    'EventSourceToken',
    'FunctionName',
    'FunctionUrlAuthType',
    'Principal',
    'PrincipalOrgID',
    'SourceAccount',
    'SourceArn',
  ],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-resource.html
  'AWS::ApiGateway::Resource': ['ParentId', 'PathPart', 'RestApiId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-method.html
  'AWS::ApiGateway::Method': ['RestApiId', 'ResourceId', 'HttpMethod'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-model.html
  'AWS::ApiGateway::Model': ['ContentType', 'Name', 'RestApiId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-requestvalidator.html
  'AWS::ApiGateway::RequestValidator': ['Name', 'RestApiId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html
  'AWS::ApiGateway::Deployment': ['DeploymentCanarySettings', 'RestApiId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-stage.html
  'AWS::ApiGateway::Stage': ['RestApiId', 'StageName'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-apikey.html
  'AWS::ApiGateway::ApiKey': ['GenerateDistinctId', 'Name', 'Value'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplankey.html
  'AWS::ApiGateway::UsagePlanKey': ['KeyId', 'KeyType', 'UsagePlanId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-gatewayresponse.html
  'AWS::ApiGateway::GatewayResponse': ['ResponseType', 'RestApiId'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-api.html
  'AWS::ApiGatewayV2::Api': ['ProtocolType'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-route.html
  'AWS::ApiGatewayV2::Route': ['ApiId'],
  'AWS::ApiGatewayV2::RouteResponse': ['ApiId', 'RouteId'],
  'AWS::ApiGatewayV2::Integration': ['ApiId'],
  'AWS::ApiGatewayV2::Authorizer': ['ApiId'],
  'AWS::ApiGatewayV2::Deployment': ['ApiId'],
  'AWS::ApiGatewayV2::Stage': ['ApiId', 'StageName'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
  'AWS::IAM::Role': ['Path', 'RoleName'],
  'AWS::IAM::ManagedPolicy': ['Description', 'ManagedPolicyName', 'Path'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::S3::BucketPolicy': ['Bucket'],
};

/**
 * The property that names a resource, for the types whose names are unique in the account and region: a resource
 * with a custom name cannot be replaced, since its replacement would need the same name while it still exists.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html
 */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** The top-level properties whose values differ between two property sets. */
export function changedProperties(
  oldProperties: Readonly<Record<string, unknown>>,
  newProperties: Readonly<Record<string, unknown>>,
): string[] {
  const names = new Set([...Object.keys(oldProperties), ...Object.keys(newProperties)]);
  return [...names].filter((name) => !isDeepStrictEqual(oldProperties[name], newProperties[name]));
}

/**
 * The changed properties that make CloudFormation replace the resource rather than update it. Custom resources
 * update in place whatever changes (their handler decides); a changed `ServiceToken` is refused elsewhere.
 */
export function replacingProperties(
  type: string,
  oldProperties: Readonly<Record<string, unknown>>,
  newProperties: Readonly<Record<string, unknown>>,
): string[] {
  const replacing = new Set(REPLACEMENT_PROPERTIES[type] ?? []);
  return changedProperties(oldProperties, newProperties).filter(
    (name) =>
      replacing.has(name) ||
      (type === 'AWS::DynamoDB::Table' &&
        name === 'AttributeDefinitions' &&
        editsAttributeDefinition(oldProperties[name], newProperties[name])),
  );
}

/** Whether a property's change requires replacement, whatever its values (for a reference to a replaced resource). */
export function propertyRequiresReplacement(type: string, property: string): boolean {
  return (REPLACEMENT_PROPERTIES[type] ?? []).includes(property);
}

/**
 * A table's `AttributeDefinitions` change requires replacement when it edits a definition (an attribute keeps its
 * name and changes type); adding or removing definitions, with an index, does not.
 */
function editsAttributeDefinition(oldValue: unknown, newValue: unknown): boolean {
  const types = (value: unknown): Map<unknown, unknown> =>
    new Map(
      (Array.isArray(value) ? value : []).map(
        (definition: { AttributeName?: unknown; AttributeType?: unknown }) => [
          definition?.AttributeName,
          definition?.AttributeType,
        ],
      ),
    );
  const before = types(oldValue);
  return [...types(newValue)].some(([name, type]) => before.has(name) && before.get(name) !== type);
}

/** Whether a type is a custom resource (`AWS::CloudFormation::CustomResource` or `Custom::*`). */
export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}
