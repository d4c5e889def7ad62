import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/** `200 OK` with a JSON body. */
export function ok(body: unknown): APIGatewayProxyResult {
  return { statusCode: 200, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
}

/** `201 Created` with a JSON body and the new resource's URL in `Location`. */
export function created(location: string, body: unknown): APIGatewayProxyResult {
  return { statusCode: 201, headers: { ...JSON_HEADERS, Location: location }, body: JSON.stringify(body) };
}

/** `202 Accepted` with a JSON body and where to follow the work in `Location`. */
export function accepted(location: string, body: unknown): APIGatewayProxyResult {
  return { statusCode: 202, headers: { ...JSON_HEADERS, Location: location }, body: JSON.stringify(body) };
}

/** A request header, whatever its case (API Gateway passes them as the client sent them). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) {
      return value;
    }
  }
  return undefined;
}

/**
 * The absolute URL of `id` under the requested collection: `{proto}://{host}{stage path}/{id}`.
 * `requestContext.path` carries the stage (`/prod/sync/orders`) on the execute-api host.
 */
export function resourceUrl(event: APIGatewayProxyEvent, id: string): string {
  const protocol = header(event, 'X-Forwarded-Proto') ?? 'https';
  const host = header(event, 'Host') ?? event.requestContext.domainName ?? 'localhost';
  const collection = (event.requestContext.path ?? event.path).replace(/\/+$/, '');
  return `${protocol}://${host}${collection}/${encodeURIComponent(id)}`;
}

/** The request body as text, decoding it when API Gateway passed it base64-encoded. */
export function bodyText(event: APIGatewayProxyEvent): string | null {
  if (event.body === null || !event.isBase64Encoded) {
    return event.body;
  }
  return Buffer.from(event.body, 'base64').toString('utf8');
}

/** A request body in a media type the endpoint does not accept. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(readonly mediaType: string) {
    super(`Send the body as application/json, not ${mediaType}.`);
  }
}

/**
 * The request body as text, refusing media types other than JSON. API Gateway validates bodies only against the
 * models of their content type, so a body sent as another type must not get past the function either.
 */
export function jsonBodyText(event: APIGatewayProxyEvent): string | null {
  const mediaType =
    (header(event, 'Content-Type') ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw new UnsupportedMediaTypeError(mediaType);
  }
  return bodyText(event);
}

/** The response with more headers. */
export function withHeaders(
  response: APIGatewayProxyResult,
  headers: Readonly<Record<string, string>>,
): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, ...headers } };
}
