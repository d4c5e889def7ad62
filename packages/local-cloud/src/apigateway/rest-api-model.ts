import { namingType, TemplateError } from '../cloudformation/template-error.ts';
import type { DeployedResource, DeployedStack } from '../cloudformation/types.ts';
import { API_KEY_VALUE_ATTRIBUTE } from './providers.ts';

/** A method of a resource, as API Gateway runs it. */
export interface RestMethod {
  readonly logicalId: string;
  readonly httpMethod: string;
  /** `NONE`, or `AWS_IAM` for a method that takes only SigV4-signed requests. */
  readonly authorizationType: AuthorizationType;
  readonly apiKeyRequired: boolean;
  readonly validateBody: boolean;
  readonly validateParameters: boolean;
  /** JSON Schema models by request content type. */
  readonly requestModels: ReadonlyMap<string, object>;
  /** `method.request.querystring.x` / `method.request.header.x` -> required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  /** The Lambda function the `AWS_PROXY` integration invokes; empty for a `MOCK` integration. */
  readonly functionArn: string;
  readonly timeoutMs: number;
  /** The answer of a `MOCK` integration (CORS preflights), instead of a function's. */
  readonly mock?: MockAnswer;
}

/** What a `MOCK` integration answers: the status, headers and body of its selected integration response. */
export interface MockAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The authorization types the local cloud runs; Lambda and Cognito authorizers are not emulated. */
export type AuthorizationType = 'NONE' | 'AWS_IAM';

/** A resource (a path) of the API. */
export interface RestResource {
  readonly id: string;
  /** Full path such as `/sync/orders/{orderId}`. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly methods: ReadonlyMap<string, RestMethod>;
}

export interface GatewayResponseSetting {
  readonly statusCode?: string;
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface Quota {
  readonly limit: number;
  readonly period: 'DAY' | 'WEEK' | 'MONTH';
}

export interface UsagePlan {
  readonly id: string;
  readonly stages: ReadonlyArray<{
    readonly apiId: string;
    readonly stage: string;
    readonly throttle?: Throttle;
  }>;
  readonly throttle?: Throttle;
  readonly quota?: Quota;
  readonly keyIds: ReadonlySet<string>;
}

export interface ApiKey {
  readonly id: string;
  readonly value: string;
  readonly enabled: boolean;
}

/** One REST API with everything a request needs. */
export interface RestApi {
  readonly id: string;
  readonly name: string;
  readonly resources: readonly RestResource[];
  readonly stages: ReadonlyMap<string, { readonly throttle?: Throttle }>;
  readonly binaryMediaTypes: readonly string[];
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseSetting>;
}

/** Every REST API in a stack plus the API keys and usage plans (which belong to the account). */
export interface RestApis {
  readonly apis: ReadonlyMap<string, RestApi>;
  readonly apiKeysByValue: ReadonlyMap<string, ApiKey>;
  readonly usagePlans: readonly UsagePlan[];
}

// Default integration timeout (and maximum for regional APIs without a quota increase): 29 s.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/** Builds the REST APIs of a deployed stack; fails loudly on a method it cannot run. */
export function buildRestApis(stack: DeployedStack): RestApis {
  const all = [...stack.resources.values()];
  const ofType = (type: string): DeployedResource[] =>
    all.filter((resource) => resource.type === `AWS::ApiGateway::${type}`);
  const props = (resource: DeployedResource): Record<string, unknown> =>
    resource.properties as Record<string, unknown>;

  const modelsByName = new Map<string, object>();
  for (const model of ofType('Model')) {
    modelsByName.set(`${props(model).RestApiId}/${model.physicalId}`, (props(model).Schema ?? {}) as object);
  }
  const validators = new Map(
    ofType('RequestValidator').map((validator) => [validator.physicalId, props(validator)]),
  );

  const apis = new Map<string, RestApi>();
  for (const api of ofType('RestApi')) {
    const apiId = api.physicalId;
    const rootId = String(api.attributes.RootResourceId);
    const resourceRows = ofType('Resource').filter((resource) => props(resource).RestApiId === apiId);
    const pathOf = new Map<string, string>([[rootId, '/']]);
    const resolvePath = (id: string, trail: readonly string[] = []): string => {
      const known = pathOf.get(id);
      if (known !== undefined) {
        return known;
      }
      const row = resourceRows.find((resource) => resource.physicalId === id);
      if (!row || trail.includes(id)) {
        throw new TemplateError(`API ${apiId}: resource ${id} has no parent path`);
      }
      const parent = resolvePath(String(props(row).ParentId), [...trail, id]);
      const full = `${parent === '/' ? '' : parent}/${String(props(row).PathPart)}`;
      pathOf.set(id, full);
      return full;
    };

    const methodsByResource = new Map<string, Map<string, RestMethod>>();
    for (const method of ofType('Method').filter((row) => props(row).RestApiId === apiId)) {
      const p = props(method);
      const integration = (p.Integration ?? {}) as Record<string, unknown>;
      const httpMethod = String(p.HttpMethod).toUpperCase();
      if (integration.Type !== 'AWS_PROXY' && integration.Type !== 'MOCK') {
        throw new TemplateError(
          namingType(
            `Resource ${method.logicalId}: ${httpMethod} uses a ${String(integration.Type ?? 'missing')} integration; the local cloud runs AWS_PROXY (Lambda proxy) and MOCK integrations`,
            method.type,
          ),
        );
      }
      const mock = integration.Type === 'MOCK' ? mockAnswer(method.logicalId, integration) : undefined;
      const functionArn = mock
        ? ''
        : /functions\/(arn:[^/]+)\/invocations$/.exec(String(integration.Uri ?? ''))?.[1];
      if (functionArn === undefined) {
        throw new TemplateError(
          `Resource ${method.logicalId}: integration URI ${String(integration.Uri)} names no Lambda function`,
        );
      }
      const authorizationType = String(p.AuthorizationType ?? 'NONE');
      if (authorizationType !== 'NONE' && authorizationType !== 'AWS_IAM') {
        throw new TemplateError(
          namingType(
            `Resource ${method.logicalId}: ${httpMethod} uses ${authorizationType} authorization; the local cloud runs NONE and AWS_IAM methods`,
            method.type,
          ),
        );
      }
      const validator = p.RequestValidatorId ? validators.get(String(p.RequestValidatorId)) : undefined;
      const requestModels = new Map<string, object>();
      for (const [contentType, modelName] of Object.entries(
        (p.RequestModels ?? {}) as Record<string, string>,
      )) {
        const schema = modelsByName.get(`${apiId}/${modelName}`);
        if (schema) {
          requestModels.set(contentType.toLowerCase(), schema);
        }
      }
      const resourceId = String(p.ResourceId);
      const methods = methodsByResource.get(resourceId) ?? new Map<string, RestMethod>();
      methods.set(httpMethod, {
        logicalId: method.logicalId,
        httpMethod,
        authorizationType,
        apiKeyRequired: p.ApiKeyRequired === true || p.ApiKeyRequired === 'true',
        validateBody: validator?.ValidateRequestBody === true,
        validateParameters: validator?.ValidateRequestParameters === true,
        requestModels,
        requestParameters: (p.RequestParameters ?? {}) as Record<string, boolean>,
        functionArn,
        timeoutMs: Number(integration.TimeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS),
        mock,
      });
      methodsByResource.set(resourceId, methods);
    }

    const resources: RestResource[] = [rootId, ...resourceRows.map((row) => row.physicalId)].map((id) => {
      const path = resolvePath(id);
      return {
        id,
        path,
        segments: path === '/' ? [] : path.slice(1).split('/'),
        methods: methodsByResource.get(id) ?? new Map(),
      };
    });

    const stages = new Map<string, { throttle?: Throttle }>();
    for (const stage of ofType('Stage').filter((row) => props(row).RestApiId === apiId)) {
      stages.set(stage.physicalId, { throttle: stageThrottle(props(stage).MethodSettings) });
    }
    const gatewayResponses = new Map<string, GatewayResponseSetting>();
    for (const response of ofType('GatewayResponse').filter((row) => props(row).RestApiId === apiId)) {
      const p = props(response);
      gatewayResponses.set(String(p.ResponseType), {
        statusCode: p.StatusCode === undefined ? undefined : String(p.StatusCode),
        responseParameters: (p.ResponseParameters ?? {}) as Record<string, string>,
        responseTemplates: (p.ResponseTemplates ?? {}) as Record<string, string>,
      });
    }
    apis.set(apiId, {
      id: apiId,
      name: String(props(api).Name ?? apiId),
      resources,
      stages,
      // CloudFormation writes a `/` inside a media type as `~1` when it comes from an OpenAPI body.
      binaryMediaTypes: ((props(api).BinaryMediaTypes ?? []) as string[]).map((type) =>
        type.replaceAll('~1', '/'),
      ),
      gatewayResponses,
    });
  }

  const apiKeysByValue = new Map<string, ApiKey>();
  for (const key of ofType('ApiKey')) {
    const value = String(key.attributes[API_KEY_VALUE_ATTRIBUTE]);
    apiKeysByValue.set(value, { id: key.physicalId, value, enabled: props(key).Enabled !== false });
  }
  const usagePlans = ofType('UsagePlan').map((plan): UsagePlan => {
    const p = props(plan);
    const quota = p.Quota as { Limit?: number; Period?: string } | undefined;
    return {
      id: plan.physicalId,
      stages: ((p.ApiStages ?? []) as Array<Record<string, unknown>>).map((stage) => ({
        apiId: String(stage.ApiId),
        stage: String(stage.Stage),
        throttle: throttleOf(stage.Throttle),
      })),
      throttle: throttleOf(p.Throttle),
      quota:
        quota?.Limit !== undefined
          ? { limit: Number(quota.Limit), period: (quota.Period ?? 'DAY') as Quota['period'] }
          : undefined,
      keyIds: new Set(
        ofType('UsagePlanKey')
          .filter((row) => props(row).UsagePlanId === plan.physicalId)
          .map((row) => String(props(row).KeyId)),
      ),
    };
  });
  return { apis, apiKeysByValue, usagePlans };
}

/**
 * A `MOCK` integration's answer, as API Gateway makes it: the request template names a status code, which selects
 * the integration response whose `SelectionPattern` matches it (or the one without a pattern); that response
 * gives the status, the headers (static `'values'` of `method.response.header.*` parameters) and the body (its
 * `application/json` template). Templates are not evaluated: one with VTL (`$` or `#`) fails the boot.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
 */
function mockAnswer(logicalId: string, integration: Record<string, unknown>): MockAnswer {
  const templates = (integration.RequestTemplates ?? {}) as Record<string, string>;
  const requestTemplate = templates['application/json'] ?? Object.values(templates)[0] ?? '';
  const statusCode = /statusCode"?\s*:\s*(\d{3})/.exec(requestTemplate)?.[1] ?? '200';
  const responses = (integration.IntegrationResponses ?? []) as Array<Record<string, unknown>>;
  const selected =
    responses.find(
      (response) =>
        typeof response.SelectionPattern === 'string' &&
        response.SelectionPattern !== '' &&
        new RegExp(`^(?:${response.SelectionPattern})$`).test(statusCode),
    ) ?? responses.find((response) => !response.SelectionPattern);
  if (!selected) {
    throw new TemplateError(
      `Resource ${logicalId}: no integration response for the MOCK status ${statusCode}`,
    );
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((selected.ResponseParameters ?? {}) as Record<string, string>)) {
    const header = /^method\.response\.header\.(.+)$/.exec(name)?.[1];
    const literal = /^'(.*)'$/.exec(String(value))?.[1];
    if (!header || literal === undefined) {
      throw new TemplateError(
        `Resource ${logicalId}: the MOCK response parameter ${name} = ${String(value)} is not a static header value, the only kind the local cloud answers`,
      );
    }
    headers[header] = literal;
  }
  const body = ((selected.ResponseTemplates ?? {}) as Record<string, string>)['application/json'] ?? '';
  if (/[$#]/.test(body)) {
    throw new TemplateError(
      `Resource ${logicalId}: the MOCK response template uses VTL, which the local cloud does not evaluate`,
    );
  }
  return { status: Number(selected.StatusCode ?? statusCode), headers, body };
}

function throttleOf(value: unknown): Throttle | undefined {
  const throttle = value as { RateLimit?: number; BurstLimit?: number } | undefined;
  if (throttle?.RateLimit === undefined && throttle?.BurstLimit === undefined) {
    return undefined;
  }
  return {
    rateLimit: Number(throttle.RateLimit ?? Number.POSITIVE_INFINITY),
    burstLimit: Number(throttle.BurstLimit ?? 0),
  };
}

/** The stage-wide throttle from `MethodSettings` for every method (`/*` and `*`). */
function stageThrottle(value: unknown): Throttle | undefined {
  const settings = (value ?? []) as Array<Record<string, unknown>>;
  const all = settings.find((setting) => setting.ResourcePath === '/*' && setting.HttpMethod === '*');
  if (all?.ThrottlingRateLimit === undefined && all?.ThrottlingBurstLimit === undefined) {
    return undefined;
  }
  return throttleOf({ RateLimit: all.ThrottlingRateLimit, BurstLimit: all.ThrottlingBurstLimit });
}

/**
 * The resource and method for a request path, most specific first: literal segments beat `{param}`, which beat
 * `{proxy+}`; `ANY` answers methods without their own definition.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
 */
export function matchRoute(
  api: RestApi,
  path: string,
  httpMethod: string,
): { resource: RestResource; method: RestMethod; pathParameters: Record<string, string> } | undefined {
  const segments = path === '/' || path === '' ? [] : path.replace(/^\//, '').split('/');
  let best: { score: number[]; resource: RestResource; pathParameters: Record<string, string> } | undefined;
  for (const resource of api.resources) {
    const match = matchSegments(resource.segments, segments);
    if (!match) {
      continue;
    }
    if (!best || compareScores(match.score, best.score) > 0) {
      best = { score: match.score, resource, pathParameters: match.pathParameters };
    }
  }
  if (!best) {
    return undefined;
  }
  const method = best.resource.methods.get(httpMethod) ?? best.resource.methods.get('ANY');
  return method ? { resource: best.resource, method, pathParameters: best.pathParameters } : undefined;
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): { score: number[]; pathParameters: Record<string, string> } | undefined {
  const pathParameters: Record<string, string> = {};
  const score: number[] = [];
  for (let index = 0; index < pattern.length; index++) {
    const part = pattern[index] as string;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      const rest = segments.slice(index);
      if (rest.length === 0 || index !== pattern.length - 1) {
        return undefined;
      }
      pathParameters[greedy[1] as string] = rest.map(decodeSegment).join('/');
      score.push(1);
      return { score, pathParameters };
    }
    const segment = segments[index];
    if (segment === undefined || segment === '') {
      return undefined;
    }
    const parameter = /^\{(.+)\}$/.exec(part);
    if (parameter) {
      pathParameters[parameter[1] as string] = decodeSegment(segment);
      score.push(2);
    } else if (part === segment) {
      score.push(3);
    } else {
      return undefined;
    }
  }
  return segments.length === pattern.length ? { score, pathParameters } : undefined;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
