import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildWebSocketApis } from '../apigatewayv2/websocket-api-model.ts';
import type { WebSocketGateway } from '../apigatewayv2/websocket-gateway.ts';
import type { DeployedStack } from '../cloudformation/types.ts';
import { EmulatorError } from '../emulators/emulator-error.ts';
import type { FunctionInvoker, InvokeOutcome } from '../lambda/types.ts';
import type { StaticSite } from '../static-site.ts';
import { type GatewayResponseType, gatewayResponse, type HttpAnswer } from './gateway-responses.ts';
import { type IamCaller, type SecretLookup, verifyIamRequest } from './iam-authorization.ts';
import { proxyEvent, proxyResponse } from './proxy-integration.ts';
import { readBody } from './request-body.ts';
import { failureOf } from './request-failure.ts';
import { requestUrl } from './request-url.ts';
import { ModelValidator } from './request-validation.ts';
import { buildRestApis, matchRoute, type RestApi, type RestApis, type RestMethod } from './rest-api-model.ts';
import { QuotaCounters, TokenBuckets } from './throttling.ts';

export interface RestApiServerOptions {
  readonly stack: DeployedStack;
  readonly invoker: FunctionInvoker;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * The secret of each access key that may sign requests to `AWS_IAM` methods.
   * @default no key exists: every signed request is refused
   */
  readonly secretFor?: SecretLookup;
  /** The clock signing times are checked against. @default the system clock */
  readonly now?: () => Date;
  /** WebSocket APIs served on the same port: their handshakes and their `@connections` API. */
  readonly webSockets?: WebSocketGateway;
  /** Static files and documents on paths no API id can take (`/_console/`), and `/`. */
  readonly site?: StaticSite;
  readonly log?: (line: string) => void;
}

export interface RestApiServer {
  readonly port: number;
  /** Base URL of a stage, ending in `/`. */
  urlFor(restApiId: string, stage: string): string;
  /**
   * Serves the APIs of a stack (none for `undefined`) instead of the ones it served: its REST routes, and its
   * WebSocket routes on the gateway. Requests in flight finish on the old routes; throttling and quota counters
   * carry on. Fails, serving the old APIs, when the stack has one the local cloud cannot run.
   */
  reload(stack: DeployedStack | undefined): void;
  close(): Promise<void>;
}

const EXECUTE_API_HOST = /^(https|wss):\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/;

/**
 * The local URL for an API Gateway invoke URL: `https://{id}.execute-api.{region}.amazonaws.com/{stage}/...`
 * becomes `http://127.0.0.1:{port}/{id}/{stage}/...` (the host's first label moves into the path), and a
 * WebSocket API's `wss://` URL becomes `ws://127.0.0.1:{port}/{id}/{stage}`.
 */
export function localEndpointFor(awsUrl: string, port: number): string | undefined {
  const match = EXECUTE_API_HOST.exec(awsUrl);
  if (!match) {
    return undefined;
  }
  const scheme = match[1] === 'wss' ? 'ws' : 'http';
  return `${scheme}://127.0.0.1:${port}/${match[2]}${match[3] ?? '/'}`;
}

/** Serves a stack's REST APIs on 127.0.0.1, request by request as API Gateway handles them. */
export async function startRestApiServer(options: RestApiServerOptions): Promise<RestApiServer> {
  const handler = new RestApiHandler(buildRestApis(options.stack), options);
  const { webSockets, site } = options;
  const log = options.log ?? (() => {});
  const serve = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const url = requestUrl(request.url);
    if (!url) {
      request.resume();
      answerJson(response, 400, { message: 'Bad Request' });
      return;
    }
    if (site?.owns(url.pathname)) {
      await site.serve(request, response);
      return;
    }
    if (webSockets?.owns(url.pathname)) {
      const body = await readBody(request);
      if (body === undefined || !webSockets.manage(request, response, body)) {
        // A WebSocket API's URL answers plain HTTP requests only on its @connections API.
        answerJson(response, body === undefined ? 413 : 426, {
          message: body === undefined ? 'Request too large' : 'Upgrade Required',
        });
      }
      return;
    }
    await handler.handle(request, response, url);
  };
  // The last resort: whatever a request makes fail is logged with its stack and answered 500; the server goes on.
  const server = http.createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log(`${request.method} ${request.url} failed: ${failureOf(error)}`);
      if (!response.headersSent) {
        answerJson(response, 500, { message: 'Internal server error' });
      } else {
        response.destroy();
      }
    });
  });
  // Requests Node.js cannot parse (bad request line, headers over its limit, a bad Content-Length): logged, and
  // answered as a front end does, with the connection closed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log(`refused a malformed request: ${error.code ?? ''} ${error.message}`);
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        message: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request',
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  server.on('upgrade', (request, socket, head) => {
    // Node.js leaves an upgraded socket without an error listener: a client that resets it would crash the process.
    socket.on('error', (error) => log(`upgrade ${request.url}: ${error.message}`));
    try {
      if (!webSockets?.upgrade(request, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
    } catch (error) {
      log(`upgrade ${request.url} failed: ${failureOf(error)}`);
      socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmulatorError(
              `Port ${options.port} is in use on 127.0.0.1: stop what listens there or choose another with --port.`,
            )
          : error,
      );
    });
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    urlFor: (restApiId, stage) => `http://127.0.0.1:${port}/${restApiId}/${stage}/`,
    reload: (stack) => {
      const apis = buildRestApis(stack ?? NO_STACK);
      const socketApis = buildWebSocketApis(stack ?? NO_STACK);
      if (socketApis.size > 0 && !webSockets) {
        throw new EmulatorError('WebSocket APIs added after the start need a restart of the local cloud');
      }
      handler.apis = apis;
      webSockets?.reload(socketApis);
    },
    close: async () => {
      await webSockets?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A response from the gateway itself (headers by name) or from a function (headers in order, repeatable). */
type Answer =
  | HttpAnswer
  | { status: number; headers: ReadonlyArray<readonly [string, string]>; body: Buffer };

/** An X-Ray trace header value: `Root=1-{epoch seconds, hex}-{96 random bits, hex}`. */
function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** What is known of a request once it is routed to an API and stage. */
interface RequestScope {
  /** The APIs served when the request came in. */
  readonly apis: RestApis;
  readonly api?: RestApi;
  readonly stage: string;
  readonly path: string;
  /** The path as called, API id and stage included. */
  readonly calledPath: string;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly httpMethod: string;
  readonly requestHeaders: Record<string, string>;
  resourcePath: string;
}

/** A stack with no resources: what an API server serves once the last API is gone. */
const NO_STACK: DeployedStack = {
  stackName: '',
  region: '',
  accountId: '',
  resources: new Map(),
  outputs: {},
};

class RestApiHandler {
  private readonly validator = new ModelValidator();
  private readonly buckets = new TokenBuckets();
  private readonly quotas = new QuotaCounters();

  constructor(
    /** The APIs served; replaced whole by a reload, so that a request sees one version from start to end. */
    public apis: RestApis,
    private readonly options: RestApiServerOptions,
  ) {}

  async handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const [, apiId = '', stage = '', ...rest] = url.pathname.split('/');
    const apis = this.apis;
    const api = apis.apis.get(apiId);
    // No prototype: a header named `constructor` or `__proto__` is a header like any other.
    const requestHeaders: Record<string, string> = Object.create(null);
    for (const [name, value] of Object.entries(request.headers)) {
      requestHeaders[name] = [value].flat().join(',');
    }
    const scope: RequestScope = {
      apis,
      api,
      stage,
      path: `/${rest.join('/')}`,
      calledPath: url.pathname,
      requestId: randomUUID(),
      extendedRequestId: randomBytes(6).toString('base64'),
      httpMethod: methodOf(request),
      requestHeaders,
      resourcePath: '',
    };
    let answer:
      | HttpAnswer
      | { status: number; headers: ReadonlyArray<readonly [string, string]>; body: Buffer };
    try {
      answer = await this.answer(request, url, scope);
    } catch (error) {
      this.options.log?.(`${scope.requestId} failed: ${failureOf(error)}`);
      answer = this.gateway('API_CONFIGURATION_ERROR', scope);
    }
    const headers: Array<readonly [string, string]> = Array.isArray(answer.headers)
      ? [...(answer.headers as ReadonlyArray<readonly [string, string]>)]
      : Object.entries(answer.headers as Record<string, string>);
    headers.push(['x-amzn-RequestId', scope.requestId], ['x-amz-apigw-id', scope.extendedRequestId]);
    headers.push(['X-Amzn-Trace-Id', traceId()]);
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
    response.statusCode = answer.status;
    for (const [name, value] of headers) {
      response.appendHeader(name, value);
    }
    response.setHeader('Content-Length', body.length);
    response.end(body);
    this.options.log?.(
      `${scope.httpMethod} ${url.pathname} ${answer.status} ${(performance.now() - started).toFixed(1)} ms ${scope.requestId}`,
    );
  }

  private async answer(
    request: http.IncomingMessage,
    url: URL,
    scope: RequestScope,
  ): Promise<
    HttpAnswer | { status: number; headers: ReadonlyArray<readonly [string, string]>; body: Buffer }
  > {
    const { api } = scope;
    if (!api?.stages.has(scope.stage)) {
      request.resume();
      return this.gateway('MISSING_AUTHENTICATION_TOKEN', scope);
    }
    const body = await readBody(request);
    if (body === undefined) {
      return this.gateway('REQUEST_TOO_LARGE', scope);
    }
    const route = matchRoute(api, scope.path, scope.httpMethod);
    if (!route) {
      return this.gateway('MISSING_AUTHENTICATION_TOKEN', scope);
    }
    scope.resourcePath = route.resource.path;
    const { method } = route;

    // Authorization comes before the API key and the usage plan, as in API Gateway's request flow.
    let caller: IamCaller | undefined;
    if (method.authorizationType === 'AWS_IAM') {
      const verdict = await verifyIamRequest(
        {
          // The signature covers the method on the wire, whatever X-HTTP-Method-Override says.
          method: request.method ?? 'GET',
          rawPath: url.pathname,
          rawQuery: url.search.slice(1),
          headers: request.headersDistinct,
          body,
        },
        {
          secretFor: this.options.secretFor ?? (() => undefined),
          region: this.options.stack.region,
          accountId: this.options.stack.accountId,
          now: this.options.now?.() ?? new Date(),
        },
      );
      if (!verdict.ok) {
        const { type, message, errorType } = verdict.refusal;
        return this.gateway(type, scope, undefined, { message, errorType });
      }
      caller = verdict.caller;
    }

    const key = method.apiKeyRequired ? this.apiKeyFor(api, scope) : undefined;
    if (method.apiKeyRequired && !key) {
      return this.gateway('INVALID_API_KEY', scope);
    }
    const limited = this.throttle(api, scope, key?.id);
    if (limited) {
      return this.gateway(limited, scope);
    }
    const invalid = this.validate(method, scope, url, body);
    if (invalid) {
      return invalid;
    }
    if (method.mock) {
      return {
        status: method.mock.status,
        headers: { 'Content-Type': 'application/json', ...method.mock.headers },
        body: method.mock.body,
      };
    }

    const event = proxyEvent(
      {
        httpMethod: scope.httpMethod,
        path: scope.path,
        rawQuery: url.search.slice(1),
        rawHeaders: [
          ...withoutMethodOverride(request.rawHeaders),
          'X-Forwarded-For',
          request.socket.remoteAddress ?? '127.0.0.1',
          'X-Forwarded-Port',
          String(request.socket.localPort ?? ''),
          'X-Forwarded-Proto',
          'http',
          'X-Amzn-Trace-Id',
          traceId(),
        ],
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        protocol: `HTTP/${request.httpVersion}`,
      },
      {
        accountId: this.options.stack.accountId,
        apiId: api.id,
        stage: scope.stage,
        calledPath: url.pathname,
        resourceId: route.resource.id,
        resourcePath: route.resource.path,
        pathParameters: route.pathParameters,
        requestId: scope.requestId,
        extendedRequestId: scope.extendedRequestId,
        apiKey: key,
        caller,
        binaryMediaTypes: api.binaryMediaTypes,
        now: new Date(),
      },
    );
    const outcome = await withTimeout(
      this.options.invoker.invoke(method.functionArn, JSON.stringify(event)),
      method.timeoutMs,
    );
    if (outcome === 'timeout') {
      return this.gateway('INTEGRATION_TIMEOUT', scope);
    }
    return this.integrationAnswer(outcome, scope);
  }

  private integrationAnswer(outcome: InvokeOutcome, scope: RequestScope): Answer {
    if (outcome.status === 'rejected') {
      this.options.log?.(
        `${scope.requestId} Lambda invocation failed: ${outcome.errorCode}: ${outcome.message}`,
      );
      // A request under API Gateway's 10 MB but over Lambda's 6 MB payload: 413 "Request Too Long", as for 10 MB.
      // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
      if (outcome.errorCode === 'RequestTooLargeException') {
        return this.gateway('REQUEST_TOO_LARGE', scope);
      }
      // "Lambda invocation failed with status: 429/404": API Gateway answers 500.
      return this.gateway('API_CONFIGURATION_ERROR', scope);
    }
    if (outcome.status === 'function-error') {
      this.options.log?.(`${scope.requestId} Lambda function error: ${outcome.payload}`);
      return this.gateway('INTEGRATION_FAILURE', scope);
    }
    const mapped = proxyResponse(outcome.payload);
    if (!mapped) {
      this.options.log?.(
        `${scope.requestId} Execution failed due to configuration error: Malformed Lambda proxy response`,
      );
      return this.gateway('INTEGRATION_FAILURE', scope);
    }
    const hasContentType = mapped.headers.some(([name]) => name.toLowerCase() === 'content-type');
    return {
      status: mapped.status,
      headers: hasContentType ? mapped.headers : [...mapped.headers, ['Content-Type', 'application/json']],
      body: mapped.body,
    };
  }

  /** The API key in `x-api-key`, when it exists, is enabled, and a usage plan covers this API and stage. */
  private apiKeyFor(api: RestApi, scope: RequestScope): { id: string; value: string } | undefined {
    const value = scope.requestHeaders['x-api-key'];
    const key = value === undefined ? undefined : scope.apis.apiKeysByValue.get(value);
    if (!key?.enabled) {
      return undefined;
    }
    const covered = scope.apis.usagePlans.some(
      (plan) =>
        plan.keyIds.has(key.id) &&
        plan.stages.some((stage) => stage.apiId === api.id && stage.stage === scope.stage),
    );
    return covered ? { id: key.id, value: key.value } : undefined;
  }

  /** Stage throttling, then the usage plan's throttle and quota for the key. */
  private throttle(
    api: RestApi,
    scope: RequestScope,
    keyId: string | undefined,
  ): GatewayResponseType | undefined {
    const stageThrottle = api.stages.get(scope.stage)?.throttle;
    if (stageThrottle && !this.buckets.take(`stage/${api.id}/${scope.stage}`, stageThrottle)) {
      return 'THROTTLED';
    }
    if (keyId === undefined) {
      return undefined;
    }
    for (const plan of scope.apis.usagePlans) {
      const stage = plan.stages.find((entry) => entry.apiId === api.id && entry.stage === scope.stage);
      if (!plan.keyIds.has(keyId) || !stage) {
        continue;
      }
      const throttle = stage.throttle ?? plan.throttle;
      if (throttle && !this.buckets.take(`plan/${plan.id}/${keyId}`, throttle)) {
        return 'THROTTLED';
      }
      if (plan.quota && !this.quotas.take(`plan/${plan.id}/${keyId}`, plan.quota)) {
        return 'QUOTA_EXCEEDED';
      }
    }
    return undefined;
  }

  /**
   * Required parameters (present and not blank), then the body against the model for its content type
   * (application/json when unset).
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
   */
  private validate(method: RestMethod, scope: RequestScope, url: URL, body: Buffer): HttpAnswer | undefined {
    if (method.validateParameters) {
      for (const [parameter, required] of Object.entries(method.requestParameters)) {
        const [, location, name = ''] = /^method\.request\.(querystring|header)\.(.+)$/.exec(parameter) ?? [];
        // "included and not blank": `?customerId=` or an empty header is missing too.
        const present =
          location === 'querystring'
            ? url.searchParams.getAll(name).some((value) => value.trim() !== '')
            : location === 'header'
              ? (scope.requestHeaders[name.toLowerCase()] ?? '').trim() !== ''
              : true;
        if (required && !present) {
          return this.gateway('BAD_REQUEST_PARAMETERS', scope);
        }
      }
    }
    if (!method.validateBody) {
      return undefined;
    }
    const contentType =
      (scope.requestHeaders['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
    const schema = method.requestModels.get(contentType) ?? method.requestModels.get('$default');
    if (!schema) {
      return undefined;
    }
    const errors = this.validator.validate(schema, body.toString('utf8'));
    return errors === undefined ? undefined : this.gateway('BAD_REQUEST_BODY', scope, errors);
  }

  private gateway(
    type: GatewayResponseType,
    scope: RequestScope,
    validationErrorString?: string,
    errorOverride?: { message: string; errorType: string },
  ): HttpAnswer {
    return gatewayResponse(type, scope.api?.gatewayResponses ?? new Map(), {
      requestId: scope.requestId,
      extendedRequestId: scope.extendedRequestId,
      apiId: scope.api?.id ?? '',
      stage: scope.stage,
      path: scope.calledPath,
      resourcePath: scope.resourcePath,
      httpMethod: scope.httpMethod,
      validationErrorString,
      errorOverride,
      requestHeaders: scope.requestHeaders,
    });
  }
}

/**
 * The method API Gateway routes by: `X-HTTP-Method-Override` when the request has it, which the gateway consumes
 * (an integration sees it only if mapped explicitly), else the request's own.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
 */
function methodOf(request: http.IncomingMessage): string {
  const override = request.headers['x-http-method-override'];
  const value = (Array.isArray(override) ? override[0] : override)?.trim();
  return value ? value : (request.method ?? 'GET');
}

/** Node's `rawHeaders` (`[name, value, ...]`) without `X-HTTP-Method-Override`. */
function withoutMethodOverride(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if ((rawHeaders[index] as string).toLowerCase() !== 'x-http-method-override') {
      kept.push(rawHeaders[index] as string, rawHeaders[index + 1] as string);
    }
  }
  return kept;
}

/** Writes a JSON answer from the server itself (not from an API). */
function answerJson(response: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
