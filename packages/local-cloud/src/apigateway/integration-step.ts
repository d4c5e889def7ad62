import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { FunctionInvoker, InvokeOutcome } from '../lambda/types.ts';
import { proxyEvent, proxyResponse } from './proxy-integration.ts';
import { type Answer, gatewayAnswer, traceId } from './response-mapping.ts';
import type { MethodRequest, RestRequestContext } from './rest-request-context.ts';

export interface IntegrationOptions {
  readonly invoker: FunctionInvoker;
  /** The account the proxy event names. */
  readonly accountId: string;
  readonly log: (line: string) => void;
}

/**
 * The method's integration, the chain's last step, which always answers: a `MOCK` integration's static answer,
 * or the `AWS_PROXY` function's response.
 */
export function integrate(options: IntegrationOptions): (request: MethodRequest) => Promise<Answer> {
  return async (request) => {
    const { mock } = request.route.method;
    if (mock) {
      return {
        status: mock.status,
        headers: { 'Content-Type': 'application/json', ...mock.headers },
        body: mock.body,
      };
    }
    return invokeProxy(request, options);
  };
}

/** Invokes the function with the proxy event, within the integration timeout (504 past it). */
async function invokeProxy(request: MethodRequest, options: IntegrationOptions): Promise<Answer> {
  const { context, route } = request;
  const event = eventOf(request, options.accountId);
  const outcome = await withTimeout(
    options.invoker.invoke(route.method.functionArn, JSON.stringify(event)),
    route.method.timeoutMs,
  );
  if (outcome === 'timeout') {
    return gatewayAnswer(context, 'INTEGRATION_TIMEOUT');
  }
  return outcomeAnswer(outcome, context, options.log);
}

/** The Lambda proxy event: the request as the client sent it, with the headers API Gateway adds. */
function eventOf(
  { context, api, body, route, apiKey, caller }: MethodRequest,
  accountId: string,
): APIGatewayProxyEvent {
  const { request, url } = context;
  return proxyEvent(
    {
      httpMethod: context.httpMethod,
      path: context.path,
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
      accountId,
      apiId: api.id,
      stage: context.stage,
      calledPath: url.pathname,
      resourceId: route.resource.id,
      resourcePath: route.resource.path,
      pathParameters: route.pathParameters,
      requestId: context.requestId,
      extendedRequestId: context.extendedRequestId,
      apiKey,
      caller,
      binaryMediaTypes: api.binaryMediaTypes,
      now: new Date(),
    },
  );
}

/** What API Gateway answers for an invocation's outcome, logging why when it is a failure. */
function outcomeAnswer(
  outcome: InvokeOutcome,
  context: RestRequestContext,
  log: (line: string) => void,
): Answer {
  if (outcome.status === 'rejected') {
    log(`${context.requestId} Lambda invocation failed: ${outcome.errorCode}: ${outcome.message}`);
    // A request under API Gateway's 10 MB but over Lambda's 6 MB payload: 413 "Request Too Long", as for 10 MB.
    // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
    if (outcome.errorCode === 'RequestTooLargeException') {
      return gatewayAnswer(context, 'REQUEST_TOO_LARGE');
    }
    // "Lambda invocation failed with status: 429/404": API Gateway answers 500.
    return gatewayAnswer(context, 'API_CONFIGURATION_ERROR');
  }
  if (outcome.status === 'function-error') {
    log(`${context.requestId} Lambda function error: ${outcome.payload}`);
    return gatewayAnswer(context, 'INTEGRATION_FAILURE');
  }
  const mapped = proxyResponse(outcome.payload);
  if (!mapped) {
    log(`${context.requestId} Execution failed due to configuration error: Malformed Lambda proxy response`);
    return gatewayAnswer(context, 'INTEGRATION_FAILURE');
  }
  const hasContentType = mapped.headers.some(([name]) => name.toLowerCase() === 'content-type');
  return {
    status: mapped.status,
    headers: hasContentType ? mapped.headers : [...mapped.headers, ['Content-Type', 'application/json']],
    body: mapped.body,
  };
}

/** Node's `rawHeaders` (`[name, value, ...]`) without `X-HTTP-Method-Override`, which the gateway consumes. */
function withoutMethodOverride(rawHeaders: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if ((rawHeaders[index] as string).toLowerCase() !== 'x-http-method-override') {
      kept.push(rawHeaders[index] as string, rawHeaders[index + 1] as string);
    }
  }
  return kept;
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
