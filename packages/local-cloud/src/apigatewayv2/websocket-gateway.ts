import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { requestUrl } from '../apigateway/request-url.ts';
import type { FunctionInvoker, InvokeOutcome } from '../lambda/types.ts';
import { selectRoute, type WebSocketApi, type WebSocketRoute } from './websocket-api-model.ts';

/**
 * API Gateway's WebSocket message limit: 128 KB (frames of 32 KB; ws reassembles frames, so the message limit is
 * what is enforced). A bigger message closes the connection with 1009.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html#apigateway-execution-service-websocket-limits-table
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;

export interface WebSocketGatewayOptions {
  readonly apis: ReadonlyMap<string, WebSocketApi>;
  readonly invoker: FunctionInvoker;
  readonly region: string;
  readonly accountId: string;
  readonly log?: (line: string) => void;
}

/** One open connection, as `GetConnection` describes it. */
interface Connection {
  readonly connectionId: string;
  /** The API as the gateway serves it now: a reload gives open connections the new routes. */
  api: WebSocketApi;
  readonly stage: string;
  readonly socket: WebSocket;
  readonly connectedAt: number;
  lastActiveAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly domainName: string;
  /** What the authorizer returned as `context`, plus `principalId`. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  /** Why and how it ended, for the `$disconnect` event. */
  disconnect?: { readonly statusCode: number; readonly reason: string };
}

/** Builds an event's `requestContext` for a route and event type, with extra fields. */
type EventContext = (
  routeKey: string,
  eventType: string,
  extra?: Record<string, unknown>,
) => Record<string, unknown>;

/** A handshake refused: the HTTP status and body API Gateway answers. */
class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

/** `22/Nov/2026:10:43:00 +0000`, the `requestTime` format of API Gateway events. */
function requestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/** An id shaped like API Gateway's connection and extended request ids (12 random bytes, base64). */
function gatewayId(): string {
  return randomBytes(12).toString('base64');
}

/** Headers as single values (repeated ones joined) and as lists, as the events carry them. */
function headerMaps(request: http.IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  // No prototype: a header named `__proto__` or `constructor` is a header like any other.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    const value = request.rawHeaders[i + 1] ?? '';
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function queryMaps(url: URL): {
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
} {
  if ([...url.searchParams.keys()].length === 0) {
    return {};
  }
  const single: Record<string, string> = Object.create(null);
  const multi: Record<string, string[]> = Object.create(null);
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** Whether an IAM policy resource (with `*` and `?` wildcards) names `arn`. */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

function actionMatches(action: string): boolean {
  return ['*', 'execute-api:*', 'execute-api:invoke'].includes(action.toLowerCase());
}

/**
 * Evaluates a Lambda authorizer's policy for `methodArn` as IAM does: an explicit Deny wins, then an Allow is
 * needed. https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html
 */
export function policyAllows(policy: unknown, methodArn: string): boolean {
  const statements = [(policy as { Statement?: unknown } | undefined)?.Statement ?? []].flat() as Array<{
    Effect?: string;
    Action?: string | string[];
    Resource?: string | string[];
  }>;
  const applies = (statement: (typeof statements)[number]) =>
    [statement.Action ?? []].flat().some(actionMatches) &&
    [statement.Resource ?? []].flat().some((resource) => resourceMatches(resource, methodArn));
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) {
    return false;
  }
  return statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
}

/**
 * API Gateway WebSocket APIs on the local API server: the handshake (`$connect` with its Lambda REQUEST
 * authorizer and integration), messages routed by the API's route selection expression, `$disconnect`, and the
 * `@connections` management API (`POST` PostToConnection, `GET` GetConnection, `DELETE` DeleteConnection; `410`
 * `GoneException` for a connection that is not open). IAM on the management API is not evaluated locally.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
 */
export class WebSocketGateway {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly connections = new Map<string, Connection>();
  private apis: ReadonlyMap<string, WebSocketApi>;

  constructor(private readonly options: WebSocketGatewayOptions) {
    this.apis = options.apis;
  }

  /**
   * Serves other APIs from now on (a stack update): open connections get their API's new routes; a connection
   * whose API or stage is gone is closed with 1001 (going away), and its `$disconnect` runs on the old route.
   */
  reload(apis: ReadonlyMap<string, WebSocketApi>): void {
    this.apis = apis;
    for (const connection of this.connections.values()) {
      const api = apis.get(connection.api.apiId);
      if (api?.stages.has(connection.stage)) {
        connection.api = api;
      } else {
        connection.disconnect = { statusCode: 1001, reason: 'Going away' };
        connection.socket.close(1001, 'Going away');
      }
    }
  }

  /** The API and stage a path names (`/{apiId}/{stage}...`), when it is one of the WebSocket APIs. */
  private scope(pathname: string): { api: WebSocketApi; stage: string; rest: string[] } | undefined {
    const [, apiId = '', stage = '', ...rest] = pathname.split('/');
    const api = this.apis.get(apiId);
    return api?.stages.has(stage) ? { api, stage, rest } : undefined;
  }

  /** Whether a path belongs to a WebSocket API (its handshake or its `@connections` API). */
  owns(pathname: string): boolean {
    const [, apiId = ''] = pathname.split('/');
    return this.apis.has(apiId);
  }

  /** Handles an HTTP upgrade to a WebSocket API's stage URL; false when the path is not one. */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = requestUrl(request.url);
    const scope = url && this.scope(url.pathname);
    if (!url || !scope || scope.rest.some((segment) => segment !== '')) {
      return false;
    }
    void this.connect(request, socket, head, url, scope.api, scope.stage).catch((error: unknown) => {
      this.options.log?.(`$connect failed: ${(error as Error).stack ?? String(error)}`);
      refuse(socket, new Refusal(500, 'Internal server error'));
    });
    return true;
  }

  private async connect(
    request: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    api: WebSocketApi,
    stage: string,
  ): Promise<void> {
    const connectedAt = Date.now();
    const connectionId = gatewayId();
    const { headers, multiValueHeaders } = headerMaps(request);
    const query = queryMaps(url);
    const domainName = `${api.apiId}.execute-api.${this.options.region}.amazonaws.com`;
    const identity = {
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: request.headers['user-agent'] ?? '',
    };
    const context = (routeKey: string, eventType: string, extra: Record<string, unknown> = {}) => ({
      routeKey,
      eventType,
      extendedRequestId: gatewayId(),
      requestTime: requestTime(Date.now()),
      messageDirection: 'IN',
      stage,
      connectedAt,
      requestTimeEpoch: Date.now(),
      identity,
      requestId: gatewayId(),
      domainName,
      connectionId,
      apiId: api.apiId,
      ...extra,
    });
    const connectRoute = api.routes.get('$connect');
    let authorizer: Record<string, unknown> | undefined;
    if (connectRoute?.authorizer) {
      const authorized = await this.authorize(connectRoute, {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${api.apiId}/${stage}/$connect`,
        headers,
        multiValueHeaders,
        ...query,
        stageVariables: {},
        requestContext: context('$connect', 'CONNECT'),
      });
      if (authorized instanceof Refusal) {
        refuse(socket, authorized);
        return;
      }
      authorizer = authorized;
    }
    if (connectRoute?.functionArn) {
      const outcome = await this.options.invoker.invoke(
        connectRoute.functionArn,
        JSON.stringify({
          headers,
          multiValueHeaders,
          ...query,
          requestContext: context('$connect', 'CONNECT', authorizer ? { authorizer } : {}),
          isBase64Encoded: false,
        }),
      );
      const status = integrationStatus(outcome);
      if (status < 200 || status > 299) {
        refuse(socket, new Refusal(status, status >= 500 ? 'Internal server error' : 'Forbidden'));
        return;
      }
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = {
        connectionId,
        // The API may have been reloaded while $connect ran.
        api: this.apis.get(api.apiId) ?? api,
        stage,
        socket: ws,
        connectedAt,
        lastActiveAt: connectedAt,
        sourceIp: identity.sourceIp,
        userAgent: identity.userAgent,
        domainName,
        authorizer,
      };
      this.connections.set(connectionId, connection);
      this.options.log?.(`${api.apiId}/${stage} connected ${connectionId}`);
      ws.on('message', (data, isBinary) => {
        connection.lastActiveAt = Date.now();
        this.message(connection, Buffer.from(data as Buffer), isBinary, context).catch((error: unknown) => {
          this.options.log?.(`${connectionId} message failed: ${(error as Error).stack ?? String(error)}`);
          if (connection.socket.readyState === connection.socket.OPEN) {
            connection.socket.send(JSON.stringify({ message: 'Internal server error', connectionId }));
          }
        });
      });
      // A protocol error (a message over the limit, a bad frame) closes the connection; ws reports it here first.
      ws.on('error', (error) => this.options.log?.(`${connectionId}: ${error.message}`));
      ws.on('close', (code, reason) => {
        this.connections.delete(connectionId);
        const ended = connection.disconnect ?? { statusCode: code, reason: reason.toString() };
        this.disconnect(connection, ended, context).catch((error: unknown) =>
          this.options.log?.(
            `${connectionId} $disconnect failed: ${(error as Error).stack ?? String(error)}`,
          ),
        );
      });
    });
  }

  /**
   * Runs the `$connect` authorizer: `401` without invoking it when an identity source is missing (or when it
   * answers `Unauthorized`), `403` when its policy does not allow the connection, `500` when it fails. On success,
   * the context the integration gets as `requestContext.authorizer`.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
   */
  private async authorize(
    route: WebSocketRoute,
    event: {
      methodArn: string;
      headers: Record<string, string>;
      queryStringParameters?: Record<string, string>;
    } & Record<string, unknown>,
  ): Promise<Record<string, unknown> | Refusal> {
    const authorizer = route.authorizer;
    if (!authorizer) {
      return {};
    }
    const lowerHeaders = new Map(
      Object.entries(event.headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    for (const source of authorizer.identitySources) {
      const query = /^route\.request\.querystring\.(.+)$/.exec(source)?.[1];
      const header = /^route\.request\.header\.(.+)$/.exec(source)?.[1];
      const value =
        query !== undefined
          ? event.queryStringParameters?.[query]
          : header !== undefined
            ? lowerHeaders.get(header.toLowerCase())
            : undefined;
      if (value === undefined || value === '') {
        return new Refusal(401, 'Unauthorized');
      }
    }
    const outcome = await this.options.invoker.invoke(authorizer.functionArn, JSON.stringify(event));
    if (outcome.status !== 'succeeded') {
      const message =
        outcome.status === 'function-error'
          ? (JSON.parse(outcome.payload) as { errorMessage?: string }).errorMessage
          : '';
      return message === 'Unauthorized'
        ? new Refusal(401, 'Unauthorized')
        : new Refusal(500, 'Internal server error');
    }
    const result = JSON.parse(outcome.payload) as {
      principalId?: unknown;
      policyDocument?: unknown;
      context?: Record<string, unknown>;
    } | null;
    if (!result || !policyAllows(result.policyDocument, event.methodArn)) {
      return new Refusal(403, 'Forbidden');
    }
    return { ...(result.context ?? {}), principalId: result.principalId ?? '' };
  }

  private async message(
    connection: Connection,
    data: Buffer,
    isBinary: boolean,
    context: EventContext,
  ): Promise<void> {
    const body = isBinary ? data.toString('base64') : data.toString('utf8');
    const routeKey = isBinary ? '$default' : selectRoute(connection.api, body);
    const route = connection.api.routes.get(routeKey);
    const requestId = gatewayId();
    const error = (message: string) =>
      connection.socket.send(JSON.stringify({ message, connectionId: connection.connectionId, requestId }));
    if (!route?.functionArn) {
      // No route matched and no $default route: API Gateway answers on the socket.
      error('Forbidden');
      return;
    }
    const outcome = await this.options.invoker.invoke(
      route.functionArn,
      JSON.stringify({
        requestContext: context(routeKey, 'MESSAGE', {
          messageId: gatewayId(),
          requestId,
          ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
        }),
        body,
        isBase64Encoded: isBinary,
      }),
    );
    if (outcome.status !== 'succeeded') {
      error('Internal server error');
      return;
    }
    if (route.twoWay) {
      // Two-way routes send the integration's body back; a proxy result without `body` sends nothing.
      const result = JSON.parse(outcome.payload) as { body?: unknown } | string | null;
      const reply = typeof result === 'object' && result !== null ? result.body : result;
      if (typeof reply === 'string' && connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.send(reply);
      }
    }
  }

  private async disconnect(
    connection: Connection,
    ended: { statusCode: number; reason: string },
    context: EventContext,
  ): Promise<void> {
    this.options.log?.(`${connection.api.apiId}/${connection.stage} disconnected ${connection.connectionId}`);
    const route = connection.api.routes.get('$disconnect');
    if (!route?.functionArn) {
      return;
    }
    // Best effort, as on AWS: the outcome changes nothing.
    await this.options.invoker.invoke(
      route.functionArn,
      JSON.stringify({
        headers: { Host: connection.domainName },
        multiValueHeaders: { Host: [connection.domainName] },
        requestContext: context('$disconnect', 'DISCONNECT', {
          disconnectStatusCode: ended.statusCode,
          disconnectReason: ended.reason,
          ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
        }),
        isBase64Encoded: false,
      }),
    );
  }

  /**
   * The `@connections` API at `/{apiId}/{stage}/@connections/{connectionId}`; false when the request is not for it.
   * https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename-connections-connectionid.html
   */
  manage(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): boolean {
    const url = requestUrl(request.url);
    const scope = url && this.scope(url.pathname);
    if (scope?.rest[0] !== '@connections' || scope.rest.length !== 2) {
      return false;
    }
    const connectionId = decodedOrUndefined(scope.rest[1] ?? '');
    const answer = (status: number, payload?: unknown, errorType?: string) => {
      response.statusCode = status;
      response.setHeader('x-amzn-RequestId', randomUUID());
      if (errorType) {
        response.setHeader('x-amzn-ErrorType', errorType);
      }
      if (payload === undefined) {
        response.end();
        return;
      }
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify(payload));
    };
    if (connectionId === undefined) {
      // An id that is not valid percent-encoding names no connection and cannot be one: the request is malformed.
      answer(400, { message: 'Invalid connection id' }, 'BadRequestException');
      return true;
    }
    const connection = this.connections.get(connectionId);
    if (!connection || connection.api !== scope.api || connection.stage !== scope.stage) {
      answer(410, { message: null }, 'GoneException');
      return true;
    }
    switch (request.method) {
      case 'POST':
        if (body.length > MAX_MESSAGE_BYTES) {
          answer(413, { message: 'Message too long' }, 'PayloadTooLargeException');
          return true;
        }
        connection.socket.send(body.toString('utf8'));
        answer(200);
        return true;
      case 'GET':
        answer(200, {
          connectedAt: new Date(connection.connectedAt).toISOString(),
          identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        });
        return true;
      case 'DELETE':
        connection.disconnect = { statusCode: 1005, reason: 'Connection deleted' };
        connection.socket.close();
        answer(204);
        return true;
      default:
        answer(403, { message: 'Forbidden' }, 'ForbiddenException');
        return true;
    }
  }

  /** Closes every connection (their `$disconnect` runs) and the server. */
  async close(): Promise<void> {
    for (const connection of this.connections.values()) {
      connection.disconnect = { statusCode: 1001, reason: 'Going away' };
      connection.socket.terminate();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The status code a `$connect` integration answered: `502` when the function failed, as API Gateway reports a
 * Lambda integration's failure.
 */
function integrationStatus(outcome: InvokeOutcome): number {
  if (outcome.status !== 'succeeded') {
    return 502;
  }
  const result = JSON.parse(outcome.payload) as { statusCode?: unknown } | null;
  return typeof result?.statusCode === 'number' ? result.statusCode : 200;
}

function decodedOrUndefined(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Answers a handshake with an HTTP error and closes the socket. */
function refuse(socket: Duplex, refusal: Refusal): void {
  const body = JSON.stringify({ message: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.message}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
