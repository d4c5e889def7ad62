import { randomBytes, randomUUID } from 'node:crypto';
import type { IamCaller } from './iam-authorization.ts';
import type { UnreadBody } from './request-body.ts';
import type { ApiKey, RestApi, RestApis, RouteMatch } from './rest-api-model.ts';

/**
 * What the chain's steps read of an HTTP request beyond its URL: a Node.js `IncomingMessage` is one. Its body is
 * read (or discarded) by a step, since API Gateway answers an unknown stage without reading it.
 */
export interface IncomingHttpRequest extends UnreadBody {
  /** The method on the wire, whatever `X-HTTP-Method-Override` says. */
  readonly method?: string;
  /** Each value of a repeated header, for SigV4 (`headers` has them joined). */
  readonly headersDistinct: NodeJS.Dict<string[]>;
  /** `[name, value, ...]` with the client's casing. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly socket: { readonly remoteAddress?: string; readonly localPort?: number };
}

/** What is known of a request when it comes in, before any step runs; it flows through the whole chain. */
export interface RestRequestContext {
  readonly request: IncomingHttpRequest;
  readonly url: URL;
  /** The APIs served when the request came in: a reload does not change them under it. */
  readonly apis: RestApis;
  /** The API the path's first segment names, if there is one. */
  readonly api?: RestApi;
  readonly stage: string;
  /** The path under the stage, e.g. `/sync/orders`. */
  readonly path: string;
  /** The path as called, API id and stage included. */
  readonly calledPath: string;
  readonly requestId: string;
  readonly extendedRequestId: string;
  /** The method API Gateway routes by. */
  readonly httpMethod: string;
  /** By lower-case name, repeated values joined with a comma. */
  readonly requestHeaders: Record<string, string>;
  /** The matched resource's path once the route step has found it, `''` before: gateway responses name it. */
  resourcePath: string;
}

/** A request to a deployed stage of an existing API. */
export interface StagedRequest {
  readonly context: RestRequestContext;
  readonly api: RestApi;
}

/** A staged request whose body is read, within API Gateway's payload limit. */
export interface ReadRequest extends StagedRequest {
  readonly body: Buffer;
}

/** A request routed to a method: what the method's steps check, and what they learn of the caller. */
export interface MethodRequest extends ReadRequest {
  readonly route: RouteMatch;
  /** Who signed the request, for an `AWS_IAM` method. */
  readonly caller?: IamCaller;
  /** The key that passed, for a method that requires one. */
  readonly apiKey?: Pick<ApiKey, 'id' | 'value'>;
}

/** The context of a request to `url` (`/{apiId}/{stage}/...`) against the APIs served now. */
export function restRequestContext(
  request: IncomingHttpRequest,
  url: URL,
  apis: RestApis,
): RestRequestContext {
  const [, apiId = '', stage = '', ...rest] = url.pathname.split('/');
  // No prototype: a header named `constructor` or `__proto__` is a header like any other.
  const requestHeaders: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(request.headers)) {
    requestHeaders[name] = [value].flat().join(',');
  }
  return {
    request,
    url,
    apis,
    api: apis.apis.get(apiId),
    stage,
    path: `/${rest.join('/')}`,
    calledPath: url.pathname,
    requestId: randomUUID(),
    extendedRequestId: randomBytes(6).toString('base64'),
    httpMethod: methodOf(request),
    requestHeaders,
    resourcePath: '',
  };
}

/**
 * The method API Gateway routes by: `X-HTTP-Method-Override` when the request has it, which the gateway consumes
 * (an integration sees it only if mapped explicitly), else the request's own.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
 */
function methodOf(request: IncomingHttpRequest): string {
  const override = request.headers['x-http-method-override'];
  const value = (Array.isArray(override) ? override[0] : override)?.trim();
  return value ? value : (request.method ?? 'GET');
}
