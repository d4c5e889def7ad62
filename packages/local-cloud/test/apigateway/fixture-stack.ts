import { API_KEY_VALUE_ATTRIBUTE } from '../../src/apigateway/providers.ts';
import type { DeployedResource, DeployedStack } from '../../src/cloudformation/types.ts';

export const API_ID = 'api0000001';
export const STAGE = 'test';
export const KEY_VALUE = 'k'.repeat(40);
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Handler';

/** What the fixture API has: resources by path, methods with options. */
export interface FixtureMethod {
  readonly path: string;
  readonly method: string;
  /** @default NONE */
  readonly authorizationType?: string;
  readonly apiKeyRequired?: boolean;
  readonly model?: object;
  readonly requiredQuery?: string;
  readonly timeoutMs?: number;
  /** The method's `Integration` instead of a Lambda proxy one. */
  readonly integration?: Record<string, unknown>;
}

/**
 * A deployed stack with one REST API, as the deployer would produce it from a template: resources, methods,
 * a validator, models, a stage, an API key in a usage plan, and gateway responses.
 */
export function fixtureStack(options: {
  methods: readonly FixtureMethod[];
  binaryMediaTypes?: string[];
  planThrottle?: { RateLimit: number; BurstLimit: number };
  quota?: { Limit: number; Period: string };
  keyEnabled?: boolean;
  keyInPlan?: boolean;
  gatewayResponses?: Record<
    string,
    {
      StatusCode?: string;
      ResponseParameters?: Record<string, string>;
      ResponseTemplates?: Record<string, string>;
    }
  >;
}): DeployedStack {
  const resources = new Map<string, DeployedResource>();
  const add = (
    logicalId: string,
    type: string,
    physicalId: string,
    properties: Record<string, unknown>,
    attributes = {},
  ) =>
    resources.set(logicalId, {
      logicalId,
      type: `AWS::ApiGateway::${type}`,
      physicalId,
      properties,
      attributes,
    });

  add(
    'Api',
    'RestApi',
    API_ID,
    { Name: 'Fixture', BinaryMediaTypes: options.binaryMediaTypes },
    { RootResourceId: 'root' },
  );
  const idsByPath = new Map<string, string>([['/', 'root']]);
  const resourceFor = (path: string): string => {
    const known = idsByPath.get(path);
    if (known) {
      return known;
    }
    const parentPath = path.slice(0, path.lastIndexOf('/')) || '/';
    const parent = resourceFor(parentPath);
    const id = `res${idsByPath.size}`;
    idsByPath.set(path, id);
    add(`Resource${id}`, 'Resource', id, {
      RestApiId: API_ID,
      ParentId: parent,
      PathPart: path.slice(path.lastIndexOf('/') + 1),
    });
    return id;
  };
  add('Validator', 'RequestValidator', 'validator1', {
    RestApiId: API_ID,
    ValidateRequestBody: true,
    ValidateRequestParameters: true,
  });
  options.methods.forEach((method, index) => {
    const models: Record<string, string> = {};
    if (method.model) {
      add(`Model${index}`, 'Model', `Model${index}`, {
        RestApiId: API_ID,
        Name: `Model${index}`,
        ContentType: 'application/json',
        Schema: method.model,
      });
      models['application/json'] = `Model${index}`;
    }
    add(`Method${index}`, 'Method', `m${index}`, {
      RestApiId: API_ID,
      ResourceId: resourceFor(method.path),
      HttpMethod: method.method,
      AuthorizationType: method.authorizationType ?? 'NONE',
      ApiKeyRequired: method.apiKeyRequired ?? false,
      RequestValidatorId: 'validator1',
      RequestModels: models,
      RequestParameters: method.requiredQuery
        ? { [`method.request.querystring.${method.requiredQuery}`]: true }
        : undefined,
      Integration: method.integration ?? {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${FUNCTION_ARN}/invocations`,
        TimeoutInMillis: method.timeoutMs,
      },
    });
  });
  add('Deployment', 'Deployment', 'dep1', { RestApiId: API_ID });
  add('Stage', 'Stage', STAGE, { RestApiId: API_ID, DeploymentId: 'dep1', StageName: STAGE });
  add(
    'Key',
    'ApiKey',
    'key1',
    { Enabled: options.keyEnabled ?? true },
    { [API_KEY_VALUE_ATTRIBUTE]: KEY_VALUE },
  );
  add('Plan', 'UsagePlan', 'plan1', {
    ApiStages: [{ ApiId: API_ID, Stage: STAGE }],
    Throttle: options.planThrottle,
    Quota: options.quota,
  });
  if (options.keyInPlan ?? true) {
    add('PlanKey', 'UsagePlanKey', 'pk1', { KeyId: 'key1', KeyType: 'API_KEY', UsagePlanId: 'plan1' });
  }
  for (const [type, response] of Object.entries(options.gatewayResponses ?? {})) {
    add(`Response${type}`, 'GatewayResponse', `gr-${type}`, {
      RestApiId: API_ID,
      ResponseType: type,
      ...response,
    });
  }
  return { stackName: 'Fixture', region: 'us-east-1', accountId: '000000000000', resources, outputs: {} };
}
