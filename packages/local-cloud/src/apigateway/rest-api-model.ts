import type * as z from 'zod';
import { deployedProperties, type PropertiesOf } from '../cloudformation/resource-properties.ts';
import { namingType, TemplateError } from '../cloudformation/template-error.ts';
import { type DeployedResource, type DeployedStack, resourcesOfType } from '../cloudformation/types.ts';
import { mockAnswer } from './mock-integration.ts';
import {
  apiKeyProperties,
  gatewayResponseProperties,
  type MethodProperties,
  type MethodSettingProperties,
  methodProperties,
  modelProperties,
  requestValidatorProperties,
  resourceProperties,
  restApiProperties,
  stageProperties,
  type ThrottleSettingsProperties,
  usagePlanKeyProperties,
  usagePlanProperties,
} from './properties.ts';
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

const FUNCTION_IN_URI = /functions\/(arn:[^/]+)\/invocations$/;

/** One deployed resource of a type with its typed properties. */
interface Row<P> {
  readonly resource: DeployedResource;
  readonly properties: P;
}

/** The API Gateway resources of a stack, by type, their properties typed. */
interface StackRows {
  readonly restApis: readonly Row<PropertiesOf<typeof restApiProperties>>[];
  readonly resources: readonly Row<PropertiesOf<typeof resourceProperties>>[];
  readonly methods: readonly Row<MethodProperties>[];
  readonly models: readonly Row<PropertiesOf<typeof modelProperties>>[];
  readonly validators: readonly Row<PropertiesOf<typeof requestValidatorProperties>>[];
  readonly stages: readonly Row<PropertiesOf<typeof stageProperties>>[];
  readonly gatewayResponses: readonly Row<PropertiesOf<typeof gatewayResponseProperties>>[];
  readonly apiKeys: readonly Row<PropertiesOf<typeof apiKeyProperties>>[];
  readonly usagePlans: readonly Row<PropertiesOf<typeof usagePlanProperties>>[];
  readonly usagePlanKeys: readonly Row<PropertiesOf<typeof usagePlanKeyProperties>>[];
}

/** What a method needs from the rest of its API: the request models and the validators. */
interface MethodLookups {
  /** JSON Schemas by `{restApiId}/{modelName}`. */
  readonly schemas: ReadonlyMap<string, object>;
  readonly validators: ReadonlyMap<string, PropertiesOf<typeof requestValidatorProperties>>;
}

function readRows(stack: DeployedStack): StackRows {
  const rows = <S extends z.ZodType>(type: string, schema: S): Row<z.output<S>>[] =>
    resourcesOfType(stack, `AWS::ApiGateway::${type}`).map((resource) => ({
      resource,
      properties: deployedProperties(schema, stack.stackName, resource),
    }));
  return {
    restApis: rows('RestApi', restApiProperties),
    resources: rows('Resource', resourceProperties),
    methods: rows('Method', methodProperties),
    models: rows('Model', modelProperties),
    validators: rows('RequestValidator', requestValidatorProperties),
    stages: rows('Stage', stageProperties),
    gatewayResponses: rows('GatewayResponse', gatewayResponseProperties),
    apiKeys: rows('ApiKey', apiKeyProperties),
    usagePlans: rows('UsagePlan', usagePlanProperties),
    usagePlanKeys: rows('UsagePlanKey', usagePlanKeyProperties),
  };
}

/** Builds the REST APIs of a deployed stack; fails loudly on a method it cannot run. */
export function buildRestApis(stack: DeployedStack): RestApis {
  const rows = readRows(stack);
  const lookups: MethodLookups = {
    schemas: new Map(
      rows.models.map((model) => [
        `${model.properties.RestApiId}/${model.resource.physicalId}`,
        modelSchema(model.properties.Schema),
      ]),
    ),
    validators: new Map(
      rows.validators.map((validator) => [validator.resource.physicalId, validator.properties]),
    ),
  };
  const apis = new Map(
    rows.restApis.map((api): [string, RestApi] => [
      api.resource.physicalId,
      buildRestApi(api, rows, lookups),
    ]),
  );
  return {
    apis,
    apiKeysByValue: apiKeysByValue(rows.apiKeys),
    usagePlans: rows.usagePlans.map((plan) => usagePlanOf(plan, rows.usagePlanKeys)),
  };
}

/** A model's JSON Schema; a Json property may come as its text. */
function modelSchema(schema: PropertiesOf<typeof modelProperties>['Schema']): object {
  if (typeof schema === 'string') {
    const parsed: unknown = JSON.parse(schema);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  }
  return schema ?? {};
}

function buildRestApi(
  api: Row<PropertiesOf<typeof restApiProperties>>,
  rows: StackRows,
  lookups: MethodLookups,
): RestApi {
  const apiId = api.resource.physicalId;
  const ofApi = <P extends { readonly RestApiId: string }>(list: readonly Row<P>[]): Row<P>[] =>
    list.filter((row) => row.properties.RestApiId === apiId);
  const methods = methodsByResource(ofApi(rows.methods), apiId, lookups);
  const paths = resourcePaths(apiId, String(api.resource.attributes.RootResourceId), ofApi(rows.resources));
  const resources = [...paths].map(
    ([id, path]): RestResource => ({
      id,
      path,
      segments: path === '/' ? [] : path.slice(1).split('/'),
      methods: methods.get(id) ?? new Map(),
    }),
  );
  return {
    id: apiId,
    name: api.properties.Name ?? apiId,
    resources,
    stages: new Map(
      ofApi(rows.stages).map((stage) => [
        stage.resource.physicalId,
        { throttle: stageThrottle(stage.properties.MethodSettings) },
      ]),
    ),
    // CloudFormation writes a `/` inside a media type as `~1` when it comes from an OpenAPI body.
    binaryMediaTypes: (api.properties.BinaryMediaTypes ?? []).map((type) => type.replaceAll('~1', '/')),
    gatewayResponses: new Map(
      ofApi(rows.gatewayResponses).map(({ properties }): [string, GatewayResponseSetting] => [
        properties.ResponseType,
        {
          statusCode: properties.StatusCode,
          responseParameters: properties.ResponseParameters ?? {},
          responseTemplates: properties.ResponseTemplates ?? {},
        },
      ]),
    ),
  };
}

/** The full path of each resource of an API (the root first, then in template order). */
function resourcePaths(
  apiId: string,
  rootId: string,
  rows: readonly Row<PropertiesOf<typeof resourceProperties>>[],
): Map<string, string> {
  const byId = new Map(rows.map((row) => [row.resource.physicalId, row.properties]));
  const paths = new Map<string, string>([[rootId, '/']]);
  const resolvePath = (id: string, trail: readonly string[]): string => {
    const known = paths.get(id);
    if (known !== undefined) {
      return known;
    }
    const row = byId.get(id);
    if (!row || trail.includes(id)) {
      throw new TemplateError(`API ${apiId}: resource ${id} has no parent path`);
    }
    const parent = resolvePath(row.ParentId, [...trail, id]);
    const full = `${parent === '/' ? '' : parent}/${row.PathPart}`;
    paths.set(id, full);
    return full;
  };
  return new Map([
    [rootId, '/'],
    ...[...byId.keys()].map((id): [string, string] => [id, resolvePath(id, [])]),
  ]);
}

/** The methods of an API by resource id, then by HTTP method. */
function methodsByResource(
  rows: readonly Row<MethodProperties>[],
  apiId: string,
  lookups: MethodLookups,
): Map<string, Map<string, RestMethod>> {
  const byResource = new Map<string, Map<string, RestMethod>>();
  for (const row of rows) {
    const method = restMethod(row, apiId, lookups);
    const methods = byResource.get(row.properties.ResourceId) ?? new Map<string, RestMethod>();
    methods.set(method.httpMethod, method);
    byResource.set(row.properties.ResourceId, methods);
  }
  return byResource;
}

/** One method as API Gateway runs it; fails for an integration or authorization the local cloud does not run. */
function restMethod(row: Row<MethodProperties>, apiId: string, lookups: MethodLookups): RestMethod {
  const { logicalId } = row.resource;
  const p = row.properties;
  const httpMethod = p.HttpMethod.toUpperCase();
  const integration = p.Integration;
  if (integration?.Type !== 'AWS_PROXY' && integration?.Type !== 'MOCK') {
    throw new TemplateError(
      namingType(
        `Resource ${logicalId}: ${httpMethod} uses a ${integration?.Type ?? 'missing'} integration; the local cloud runs AWS_PROXY (Lambda proxy) and MOCK integrations`,
        'AWS::ApiGateway::Method',
      ),
    );
  }
  const mock = integration.Type === 'MOCK' ? mockAnswer(logicalId, integration) : undefined;
  const functionArn = mock ? '' : FUNCTION_IN_URI.exec(integration.Uri ?? '')?.[1];
  if (functionArn === undefined) {
    throw new TemplateError(
      `Resource ${logicalId}: integration URI ${String(integration.Uri)} names no Lambda function`,
    );
  }
  const authorizationType = p.AuthorizationType ?? 'NONE';
  if (authorizationType !== 'NONE' && authorizationType !== 'AWS_IAM') {
    throw new TemplateError(
      namingType(
        `Resource ${logicalId}: ${httpMethod} uses ${authorizationType} authorization; the local cloud runs NONE and AWS_IAM methods`,
        'AWS::ApiGateway::Method',
      ),
    );
  }
  const validator = p.RequestValidatorId ? lookups.validators.get(p.RequestValidatorId) : undefined;
  const requestModels = new Map<string, object>();
  for (const [contentType, modelName] of Object.entries(p.RequestModels ?? {})) {
    const schema = lookups.schemas.get(`${apiId}/${modelName}`);
    if (schema) {
      requestModels.set(contentType.toLowerCase(), schema);
    }
  }
  return {
    logicalId,
    httpMethod,
    authorizationType,
    apiKeyRequired: p.ApiKeyRequired === true,
    validateBody: validator?.ValidateRequestBody === true,
    validateParameters: validator?.ValidateRequestParameters === true,
    requestModels,
    requestParameters: p.RequestParameters ?? {},
    functionArn,
    timeoutMs: integration.TimeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS,
    mock,
  };
}

function apiKeysByValue(rows: readonly Row<PropertiesOf<typeof apiKeyProperties>>[]): Map<string, ApiKey> {
  return new Map(
    rows.map((key): [string, ApiKey] => {
      const value = String(key.resource.attributes[API_KEY_VALUE_ATTRIBUTE]);
      return [value, { id: key.resource.physicalId, value, enabled: key.properties.Enabled !== false }];
    }),
  );
}

function usagePlanOf(
  plan: Row<PropertiesOf<typeof usagePlanProperties>>,
  planKeys: readonly Row<PropertiesOf<typeof usagePlanKeyProperties>>[],
): UsagePlan {
  const { Quota: quota } = plan.properties;
  return {
    id: plan.resource.physicalId,
    // A stage's Throttle holds per-method limits (`/{path}/{method}`), which are not emulated: the plan's apply.
    stages: (plan.properties.ApiStages ?? []).map((stage) => ({
      apiId: String(stage.ApiId),
      stage: String(stage.Stage),
    })),
    throttle: throttleOf(plan.properties.Throttle),
    quota: quota?.Limit !== undefined ? { limit: quota.Limit, period: quota.Period ?? 'DAY' } : undefined,
    keyIds: new Set(
      planKeys
        .filter((row) => row.properties.UsagePlanId === plan.resource.physicalId)
        .map((row) => row.properties.KeyId),
    ),
  };
}

function throttleOf(throttle: ThrottleSettingsProperties | undefined): Throttle | undefined {
  if (throttle?.RateLimit === undefined && throttle?.BurstLimit === undefined) {
    return undefined;
  }
  return {
    rateLimit: throttle.RateLimit ?? Number.POSITIVE_INFINITY,
    burstLimit: throttle.BurstLimit ?? 0,
  };
}

/** The stage-wide throttle from `MethodSettings` for every method (`/*` and `*`). */
function stageThrottle(settings: readonly MethodSettingProperties[] = []): Throttle | undefined {
  const all = settings.find((setting) => setting.ResourcePath === '/*' && setting.HttpMethod === '*');
  return throttleOf({ RateLimit: all?.ThrottlingRateLimit, BurstLimit: all?.ThrottlingBurstLimit });
}

/** The resource and method a request path and method route to, with the path parameters it fills. */
export interface RouteMatch {
  readonly resource: RestResource;
  readonly method: RestMethod;
  readonly pathParameters: Record<string, string>;
}

/**
 * The resource and method for a request path, most specific first: literal segments beat `{param}`, which beat
 * `{proxy+}`; `ANY` answers methods without their own definition.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
 */
export function matchRoute(api: RestApi, path: string, httpMethod: string): RouteMatch | undefined {
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
