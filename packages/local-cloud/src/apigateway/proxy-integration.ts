import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { IamCaller } from './iam-authorization.ts';

/** The parts of an HTTP request the proxy event is made from. */
export interface IncomingRequest {
  readonly httpMethod: string;
  /** The path under the stage, e.g. `/sync/orders`. */
  readonly path: string;
  readonly rawQuery: string;
  /** `[name, value, name, value, ...]` with the client's casing (Node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  /**
   * The path as the client called it, for `requestContext.path`: `/{stage}/...` on the execute-api host;
   * locally `/{apiId}/{stage}/...`, as a custom domain's base path shows up there.
   */
  readonly calledPath: string;
  readonly resourceId: string;
  readonly resourcePath: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly apiKey?: { readonly id: string; readonly value: string };
  /** Who signed the request, for a method with `AWS_IAM` authorization. */
  readonly caller?: IamCaller;
  readonly binaryMediaTypes: readonly string[];
  readonly now: Date;
}

/**
 * The Lambda proxy integration event, payload format 1.0.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 */
export function proxyEvent(request: IncomingRequest, context: EventContext): APIGatewayProxyEvent {
  // Names come from the client: maps without a prototype take `__proto__` or `constructor` as any other name.
  const headers = nameMap<string>();
  const multiValueHeaders = nameMap<string[]>();
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index] as string;
    const value = request.rawHeaders[index + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = nameMap<string>();
  const multiValueQuery = nameMap<string[]>();
  for (const [name, value] of new URLSearchParams(request.rawQuery)) {
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  const pathParameters = nameMap<string>();
  for (const [name, value] of Object.entries(context.pathParameters)) {
    pathParameters[name] = value;
  }
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const binary = isBinary(contentType, context.binaryMediaTypes);
  const hasQuery = Object.keys(query).length > 0;
  const hasPathParameters = Object.keys(pathParameters).length > 0;
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  const host = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1] ?? '';
  return {
    resource: context.resourcePath,
    path: request.path,
    httpMethod: request.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: hasPathParameters ? pathParameters : null,
    stageVariables: null,
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      authorizer: undefined,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: context.extendedRequestId,
      httpMethod: request.httpMethod,
      identity: {
        accessKey: context.caller?.accessKey ?? null,
        accountId: context.caller?.accountId ?? null,
        apiKey: context.apiKey?.value ?? null,
        apiKeyId: context.apiKey?.id ?? null,
        caller: context.caller?.caller ?? null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: context.caller?.user ?? null,
        userAgent,
        userArn: context.caller?.userArn ?? null,
      },
      path: context.calledPath,
      protocol: request.protocol,
      requestId: context.requestId,
      requestTime: requestTime(context.now),
      requestTimeEpoch: context.now.getTime(),
      resourceId: context.resourceId,
      resourcePath: context.resourcePath,
      stage: context.stage,
    },
    body:
      request.body.length === 0
        ? null
        : binary
          ? request.body.toString('base64')
          : request.body.toString('utf8'),
    isBase64Encoded: binary && request.body.length > 0,
  };
}

/** An object with no prototype: every key is an own entry, and JSON.stringify writes each one. */
function nameMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `22/Nov/2026:10:43:00 +0000`, the CLF time API Gateway puts in `requestTime`. */
function requestTime(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Whether a content type matches the API's binary media types (`*` wildcards allowed). */
export function isBinary(contentType: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (!contentType) {
    return false;
  }
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return binaryMediaTypes.some((pattern) => {
    const [wantedType, wantedSubtype] = pattern.toLowerCase().split('/');
    const [actualType, actualSubtype] = type.split('/');
    return (
      (wantedType === '*' || wantedType === actualType) &&
      (wantedSubtype === '*' || wantedSubtype === actualSubtype)
    );
  });
}

/** An HTTP response made from a function's proxy result. */
export interface ProxyResponse {
  readonly status: number;
  /** Header values in order; a name may repeat. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/**
 * Maps a function's return value to the HTTP response, or `undefined` when it is not a valid proxy response,
 * a header that HTTP cannot carry included (API Gateway then answers 502 "Internal server error" and logs
 * "Malformed Lambda proxy response"; https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html). When a header is in both `headers` and
 * `multiValueHeaders`, only the `multiValueHeaders` values are kept.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
 */
export function proxyResponse(payload: string): ProxyResponse | undefined {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    return undefined;
  }
  const {
    statusCode,
    headers = {},
    multiValueHeaders = {},
    body,
    isBase64Encoded,
  } = result as Record<string, unknown>;
  const status = typeof statusCode === 'string' ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return undefined;
  }
  if (
    (body !== undefined && body !== null && typeof body !== 'string') ||
    !isRecord(headers) ||
    !isRecord(multiValueHeaders)
  ) {
    return undefined;
  }
  const merged: Array<readonly [string, string]> = [];
  const fromMulti = new Set(Object.keys(multiValueHeaders).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(headers)) {
    if (!fromMulti.has(name.toLowerCase())) {
      if (!isScalar(value)) {
        return undefined;
      }
      merged.push([name, String(value)]);
    }
  }
  for (const [name, values] of Object.entries(multiValueHeaders)) {
    if (!Array.isArray(values) || !values.every(isScalar)) {
      return undefined;
    }
    for (const value of values) {
      merged.push([name, String(value)]);
    }
  }
  if (!merged.every(([name, value]) => isSendableHeader(name, value))) {
    return undefined;
  }
  const text = typeof body === 'string' ? body : '';
  return {
    status,
    headers: merged,
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

/** Whether HTTP can carry a header: a token for its name, no line break or other control character in its value. */
function isSendableHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
