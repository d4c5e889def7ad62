import { TemplateError } from '../cloudformation/template-error.ts';
import { type DeployedResource, type DeployedStack, resourcesOfType } from '../cloudformation/types.ts';

/** A Lambda REQUEST authorizer on `$connect`. */
export interface WebSocketAuthorizer {
  readonly logicalId: string;
  readonly functionArn: string;
  /** `route.request.querystring.{name}` and `route.request.header.{name}` entries, as the template lists them. */
  readonly identitySources: readonly string[];
}

/** A route: the function it invokes, its authorizer, and whether the integration's response goes back. */
export interface WebSocketRoute {
  readonly routeKey: string;
  readonly functionArn?: string;
  readonly authorizer?: WebSocketAuthorizer;
  /** A `$default` route response is configured: the integration's `body` is sent back to the client. */
  readonly twoWay: boolean;
}

/** One WebSocket API as the template defines it. */
export interface WebSocketApi {
  readonly apiId: string;
  /** `$request.body.{path}`: where a message names its route. */
  readonly routeSelectionExpression: string;
  readonly stages: ReadonlySet<string>;
  readonly routes: ReadonlyMap<string, WebSocketRoute>;
}

const FUNCTION_IN_URI = /functions\/(arn:[^/]+)\/invocations$/;

function functionArnOf(resource: DeployedResource, uri: unknown): string {
  const arn = FUNCTION_IN_URI.exec(String(uri ?? ''))?.[1];
  if (!arn) {
    throw new TemplateError(`Resource ${resource.logicalId}: ${String(uri)} names no Lambda function`);
  }
  return arn;
}

/**
 * Reads a stack's WebSocket APIs: routes with their Lambda proxy (`AWS_PROXY`) integrations, `$connect`
 * REQUEST authorizers, route responses, stages. Anything else (HTTP integrations, mapping templates, IAM
 * authorization) fails with the resource's logical id.
 */
export function buildWebSocketApis(stack: DeployedStack): ReadonlyMap<string, WebSocketApi> {
  const props = (resource: DeployedResource) => resource.properties as Record<string, unknown>;
  const ofType = (name: string) => resourcesOfType(stack, `AWS::ApiGatewayV2::${name}`);
  const integrations = new Map<string, string>();
  for (const integration of ofType('Integration')) {
    const p = props(integration);
    if (p.IntegrationType !== 'AWS_PROXY') {
      throw new TemplateError(
        `Resource ${integration.logicalId}: a ${String(p.IntegrationType)} integration; the local cloud runs AWS_PROXY (Lambda proxy) integrations`,
      );
    }
    integrations.set(integration.physicalId, functionArnOf(integration, p.IntegrationUri));
  }
  const authorizers = new Map<string, WebSocketAuthorizer>();
  for (const authorizer of ofType('Authorizer')) {
    const p = props(authorizer);
    if (p.AuthorizerType !== 'REQUEST') {
      throw new TemplateError(
        `Resource ${authorizer.logicalId}: a ${String(p.AuthorizerType)} authorizer; WebSocket APIs take Lambda REQUEST authorizers`,
      );
    }
    authorizers.set(authorizer.physicalId, {
      logicalId: authorizer.logicalId,
      functionArn: functionArnOf(authorizer, p.AuthorizerUri),
      identitySources: ((p.IdentitySource ?? []) as unknown[]).map(String),
    });
  }
  const twoWayRoutes = new Set(
    ofType('RouteResponse')
      .filter((response) => props(response).RouteResponseKey === '$default')
      .map((response) => String(props(response).RouteId)),
  );

  const apis = new Map<string, WebSocketApi>();
  for (const api of ofType('Api')) {
    const routes = new Map<string, WebSocketRoute>();
    for (const route of ofType('Route').filter((row) => props(row).ApiId === api.physicalId)) {
      const p = props(route);
      const routeKey = String(p.RouteKey);
      const authorizationType = String(p.AuthorizationType ?? 'NONE');
      if (authorizationType !== 'NONE' && authorizationType !== 'CUSTOM') {
        throw new TemplateError(
          `Resource ${route.logicalId}: ${authorizationType} authorization on ${routeKey}; the local cloud runs NONE and CUSTOM (Lambda)`,
        );
      }
      const target = /^integrations\/(.+)$/.exec(String(p.Target ?? ''))?.[1];
      const functionArn = target === undefined ? undefined : integrations.get(target);
      if (target !== undefined && functionArn === undefined) {
        throw new TemplateError(
          `Resource ${route.logicalId}: target ${String(p.Target)} is no integration of the stack`,
        );
      }
      routes.set(routeKey, {
        routeKey,
        functionArn,
        authorizer: authorizationType === 'CUSTOM' ? authorizers.get(String(p.AuthorizerId)) : undefined,
        twoWay: twoWayRoutes.has(route.physicalId),
      });
    }
    const stages = new Set(
      ofType('Stage')
        .filter((stage) => props(stage).ApiId === api.physicalId)
        .map((stage) => stage.physicalId),
    );
    apis.set(api.physicalId, {
      apiId: api.physicalId,
      routeSelectionExpression: String(props(api).RouteSelectionExpression ?? '$request.body.action'),
      stages,
      routes,
    });
  }
  return apis;
}

/**
 * The route key a message selects: the value at `$request.body.{path}` in a JSON message when a route has that
 * key, else `$default`. A message that is not JSON, or has no such value, goes to `$default`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html
 */
export function selectRoute(api: WebSocketApi, message: string): string {
  const path = /^\$request\.body\.(.+)$/.exec(api.routeSelectionExpression)?.[1];
  if (path === undefined) {
    return '$default';
  }
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return '$default';
  }
  for (const key of path.split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (typeof value !== 'string' || value === '$connect' || value === '$disconnect') {
    return '$default';
  }
  return api.routes.has(value) ? value : '$default';
}
