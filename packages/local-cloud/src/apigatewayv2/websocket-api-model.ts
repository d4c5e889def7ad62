import type * as z from 'zod';
import { deployedProperties, type PropertiesOf } from '../cloudformation/resource-properties.ts';
import { TemplateError } from '../cloudformation/template-error.ts';
import { type DeployedResource, type DeployedStack, resourcesOfType } from '../cloudformation/types.ts';
import {
  apiProperties,
  authorizerProperties,
  integrationProperties,
  routeProperties,
  routeResponseProperties,
  stageProperties,
} from './properties.ts';

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

/** One deployed resource of a type with its typed properties. */
interface Row<P> {
  readonly resource: DeployedResource;
  readonly properties: P;
}

function functionArnOf(resource: DeployedResource, uri: string | undefined): string {
  const arn = FUNCTION_IN_URI.exec(uri ?? '')?.[1];
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
  const rows = <S extends z.ZodType>(name: string, schema: S): Row<z.output<S>>[] =>
    resourcesOfType(stack, `AWS::ApiGatewayV2::${name}`).map((resource) => ({
      resource,
      properties: deployedProperties(schema, stack.stackName, resource),
    }));
  const lookups: RouteLookups = {
    integrations: integrationFunctions(rows('Integration', integrationProperties)),
    authorizers: requestAuthorizers(rows('Authorizer', authorizerProperties)),
    twoWayRoutes: new Set(
      rows('RouteResponse', routeResponseProperties)
        .filter((response) => response.properties.RouteResponseKey === '$default')
        .map((response) => response.properties.RouteId),
    ),
  };
  const routes = rows('Route', routeProperties);
  const stages = rows('Stage', stageProperties);
  const apis = new Map<string, WebSocketApi>();
  for (const api of rows('Api', apiProperties)) {
    const apiId = api.resource.physicalId;
    apis.set(apiId, {
      apiId,
      routeSelectionExpression: api.properties.RouteSelectionExpression ?? '$request.body.action',
      stages: new Set(
        stages.filter((stage) => stage.properties.ApiId === apiId).map((stage) => stage.resource.physicalId),
      ),
      routes: new Map(
        routes
          .filter((route) => route.properties.ApiId === apiId)
          .map((route): [string, WebSocketRoute] => [
            route.properties.RouteKey,
            webSocketRoute(route, lookups),
          ]),
      ),
    });
  }
  return apis;
}

/** What a route needs from the rest of the stack. */
interface RouteLookups {
  /** Function ARNs by integration id. */
  readonly integrations: ReadonlyMap<string, string>;
  readonly authorizers: ReadonlyMap<string, WebSocketAuthorizer>;
  /** Ids of the routes with a `$default` route response. */
  readonly twoWayRoutes: ReadonlySet<string>;
}

/** The function each Lambda proxy integration invokes, by integration id; fails for other integration types. */
function integrationFunctions(
  rows: readonly Row<PropertiesOf<typeof integrationProperties>>[],
): Map<string, string> {
  return new Map(
    rows.map(({ resource, properties }): [string, string] => {
      if (properties.IntegrationType !== 'AWS_PROXY') {
        throw new TemplateError(
          `Resource ${resource.logicalId}: a ${properties.IntegrationType} integration; the local cloud runs AWS_PROXY (Lambda proxy) integrations`,
        );
      }
      return [resource.physicalId, functionArnOf(resource, properties.IntegrationUri)];
    }),
  );
}

/** The Lambda REQUEST authorizers by id; fails for other authorizer types. */
function requestAuthorizers(
  rows: readonly Row<PropertiesOf<typeof authorizerProperties>>[],
): Map<string, WebSocketAuthorizer> {
  return new Map(
    rows.map(({ resource, properties }): [string, WebSocketAuthorizer] => {
      if (properties.AuthorizerType !== 'REQUEST') {
        throw new TemplateError(
          `Resource ${resource.logicalId}: a ${properties.AuthorizerType} authorizer; WebSocket APIs take Lambda REQUEST authorizers`,
        );
      }
      return [
        resource.physicalId,
        {
          logicalId: resource.logicalId,
          functionArn: functionArnOf(resource, properties.AuthorizerUri),
          identitySources: properties.IdentitySource ?? [],
        },
      ];
    }),
  );
}

/** One route; fails for an authorization type or a target the local cloud does not run. */
function webSocketRoute(
  route: Row<PropertiesOf<typeof routeProperties>>,
  lookups: RouteLookups,
): WebSocketRoute {
  const { resource, properties } = route;
  const routeKey = properties.RouteKey;
  const authorizationType = properties.AuthorizationType ?? 'NONE';
  if (authorizationType !== 'NONE' && authorizationType !== 'CUSTOM') {
    throw new TemplateError(
      `Resource ${resource.logicalId}: ${authorizationType} authorization on ${routeKey}; the local cloud runs NONE and CUSTOM (Lambda)`,
    );
  }
  const target = /^integrations\/(.+)$/.exec(properties.Target ?? '')?.[1];
  const functionArn = target === undefined ? undefined : lookups.integrations.get(target);
  if (target !== undefined && functionArn === undefined) {
    throw new TemplateError(
      `Resource ${resource.logicalId}: target ${String(properties.Target)} is no integration of the stack`,
    );
  }
  return {
    routeKey,
    functionArn,
    authorizer:
      authorizationType === 'CUSTOM' && properties.AuthorizerId !== undefined
        ? lookups.authorizers.get(properties.AuthorizerId)
        : undefined,
    twoWay: lookups.twoWayRoutes.has(resource.physicalId),
  };
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
