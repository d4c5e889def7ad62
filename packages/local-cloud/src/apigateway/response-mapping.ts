import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type GatewayResponseType, gatewayResponse, type HttpAnswer } from './gateway-responses.ts';
import type { ProxyResponse } from './proxy-integration.ts';
import type { RestRequestContext } from './rest-request-context.ts';

/** A response from the gateway itself (headers by name) or from a function (headers in order, repeatable). */
export type Answer = HttpAnswer | ProxyResponse;

/** What a gateway response says beyond its type's defaults. */
export interface GatewayAnswerDetails {
  /** For `$context.error.validationErrorString`. */
  readonly validationErrorString?: string;
  /** The message and `x-amzn-ErrorType` instead of the type's (the signature errors). */
  readonly errorOverride?: { readonly message: string; readonly errorType: string };
}

/** The gateway response of a type, with the API's customisations (none before an API is known). */
export function gatewayAnswer(
  context: RestRequestContext,
  type: GatewayResponseType,
  details: GatewayAnswerDetails = {},
): HttpAnswer {
  return gatewayResponse(type, context.api?.gatewayResponses ?? new Map(), {
    requestId: context.requestId,
    extendedRequestId: context.extendedRequestId,
    apiId: context.api?.id ?? '',
    stage: context.stage,
    path: context.calledPath,
    resourcePath: context.resourcePath,
    httpMethod: context.httpMethod,
    validationErrorString: details.validationErrorString,
    errorOverride: details.errorOverride,
    requestHeaders: context.requestHeaders,
  });
}

/** An X-Ray trace header value: `Root=1-{epoch seconds, hex}-{96 random bits, hex}`. */
export function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** Sends an answer with the headers API Gateway adds to every response: the request ids and a trace id. */
export function writeAnswer(response: ServerResponse, context: RestRequestContext, answer: Answer): void {
  const headers: Array<readonly [string, string]> = Array.isArray(answer.headers)
    ? [...(answer.headers as ReadonlyArray<readonly [string, string]>)]
    : Object.entries(answer.headers as Record<string, string>);
  headers.push(['x-amzn-RequestId', context.requestId], ['x-amz-apigw-id', context.extendedRequestId]);
  headers.push(['X-Amzn-Trace-Id', traceId()]);
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  response.statusCode = answer.status;
  for (const [name, value] of headers) {
    response.appendHeader(name, value);
  }
  response.setHeader('Content-Length', body.length);
  response.end(body);
}
