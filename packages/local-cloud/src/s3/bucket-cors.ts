import { randomBytes } from 'node:crypto';

/**
 * S3 CORS (cross-origin resource sharing) for the buckets of the template, in front of fauxqs, which has none:
 * preflight `OPTIONS` requests answered from the bucket's rules, and the `Access-Control-*` headers on the
 * responses to cross-origin requests. Rules are matched as S3 does: the first rule whose origins, method and
 * (for a preflight) every requested header match is used; origins and headers may hold one `*` wildcard.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 */

/** One rule of `AWS::S3::Bucket` `CorsConfiguration.CorsRules`. */
export interface CorsRule {
  readonly allowedMethods: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds?: number;
}

/** The CORS rules of each bucket, by name; a bucket without an entry has no CORS configuration. */
export class BucketCorsRules {
  private readonly rules = new Map<string, readonly CorsRule[]>();

  set(bucket: string, rules: readonly CorsRule[]): void {
    this.rules.set(bucket, rules);
  }

  /** Removes a bucket's configuration (DeleteBucketCors, or the bucket deleted). */
  delete(bucket: string): void {
    this.rules.delete(bucket);
  }

  for(bucket: string): readonly CorsRule[] | undefined {
    return this.rules.get(bucket);
  }
}

/** The rules of a template's `CorsConfiguration` property, or undefined when the bucket has none. */
export function corsRulesFromTemplate(configuration: unknown): CorsRule[] | undefined {
  const rules = (configuration as { CorsRules?: unknown } | undefined)?.CorsRules;
  if (!Array.isArray(rules)) {
    return undefined;
  }
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  return rules.map((rule: Record<string, unknown>) => ({
    allowedMethods: strings(rule.AllowedMethods).map((method) => method.toUpperCase()),
    allowedOrigins: strings(rule.AllowedOrigins),
    allowedHeaders: strings(rule.AllowedHeaders),
    exposedHeaders: strings(rule.ExposedHeaders),
    ...(rule.MaxAge === undefined ? {} : { maxAgeSeconds: Number(rule.MaxAge) }),
  }));
}

/** An answer to a preflight request: status, headers, and S3's XML error when refused. */
export interface PreflightAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** The answer to `OPTIONS` on a bucket or object, from the bucket's rules (undefined: no CORS configuration). */
export function preflight(
  rules: readonly CorsRule[] | undefined,
  request: { readonly origin?: string; readonly method?: string; readonly headers?: string },
): PreflightAnswer {
  if (!request.origin || !request.method) {
    return refusal(
      400,
      'BadRequest',
      'Insufficient information. Origin request header needed.',
      'OPTIONS requests need Origin and Access-Control-Request-Method.',
    );
  }
  if (!rules) {
    return refusal(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
  }
  const requestedHeaders = (request.headers ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const origin = request.origin;
  const method = request.method.toUpperCase();
  const rule = rules.find(
    (candidate) =>
      matchesOrigin(candidate, origin) &&
      candidate.allowedMethods.includes(method) &&
      requestedHeaders.every((name) => candidate.allowedHeaders.some((allowed) => wildcard(allowed, name))),
  );
  if (!rule) {
    return refusal(
      403,
      'AccessForbidden',
      'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\u2019s CORS spec.',
    );
  }
  return {
    status: 200,
    headers: {
      ...ruleHeaders(rule, origin),
      ...(requestedHeaders.length > 0 ? { 'Access-Control-Allow-Headers': requestedHeaders.join(', ') } : {}),
    },
  };
}

/** The `Access-Control-*` headers for a cross-origin request that a rule allows, or undefined. */
export function corsResponseHeaders(
  rules: readonly CorsRule[] | undefined,
  origin: string | undefined,
  method: string,
): Readonly<Record<string, string>> | undefined {
  if (!rules || !origin) {
    return undefined;
  }
  const rule = rules.find(
    (candidate) =>
      matchesOrigin(candidate, origin) && candidate.allowedMethods.includes(method.toUpperCase()),
  );
  return rule ? ruleHeaders(rule, origin) : undefined;
}

function ruleHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  return {
    // A rule for any origin answers `*`; one naming origins echoes the caller's and allows credentials.
    'Access-Control-Allow-Origin': anyOrigin ? '*' : origin,
    ...(anyOrigin ? {} : { 'Access-Control-Allow-Credentials': 'true' }),
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    ...(rule.exposedHeaders.length > 0
      ? { 'Access-Control-Expose-Headers': rule.exposedHeaders.join(', ') }
      : {}),
    ...(rule.maxAgeSeconds === undefined ? {} : { 'Access-Control-Max-Age': String(rule.maxAgeSeconds) }),
    Vary: VARY,
  };
}

function matchesOrigin(rule: CorsRule, origin: string): boolean {
  return rule.allowedOrigins.some((allowed) => wildcard(allowed, origin));
}

/** Case-insensitive match where the pattern may hold one `*` standing for any characters. */
function wildcard(pattern: string, value: string): boolean {
  const [head = '', tail, ...rest] = pattern.toLowerCase().split('*');
  const candidate = value.toLowerCase();
  if (tail === undefined || rest.length > 0) {
    return rest.length === 0 && head === candidate;
  }
  return (
    candidate.length >= head.length + tail.length && candidate.startsWith(head) && candidate.endsWith(tail)
  );
}

function refusal(status: number, code: string, message: string, ...extra: string[]): PreflightAnswer {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const details = extra.map((line) => `<Detail>${line}</Detail>`).join('');
  return {
    status,
    headers: { 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${details}<RequestId>${requestId}</RequestId></Error>`,
  };
}

/** The bucket a path-style request names (`/{bucket}/{key}`), if any. */
export function bucketOfPath(url: string): string | undefined {
  const bucket = url.split('?')[0]?.split('/')[1];
  try {
    return bucket ? decodeURIComponent(bucket) : undefined;
  } catch {
    return undefined;
  }
}

/** The parts of a Fastify request and reply the hooks use. */
interface HookRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}
interface HookReply {
  code(statusCode: number): HookReply;
  header(name: string, value: string): HookReply;
  send(payload?: string): HookReply;
}

/** The part of a Fastify instance the hook is added to (fauxqs's `buildApp()` returns one). */
export interface CorsHookableApp {
  addHook(
    name: 'onRequest',
    hook: (request: HookRequest, reply: HookReply) => Promise<HookReply | undefined>,
  ): unknown;
}

/**
 * Answers preflight requests on bucket paths, and sets the CORS headers of a cross-origin request before it is
 * handled, so its answer carries them whatever it is (an error too, as on S3). Register it before the presigned
 * URL check: S3 answers a preflight without authenticating it, though it carries the signed URL.
 */
export function registerBucketCors(app: CorsHookableApp, rules: BucketCorsRules): void {
  const header = (request: HookRequest, name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  app.addHook('onRequest', async (request, reply) => {
    const bucket = bucketOfPath(request.url);
    if (!bucket) {
      return undefined;
    }
    if (request.method !== 'OPTIONS') {
      const headers = corsResponseHeaders(rules.for(bucket), header(request, 'origin'), request.method);
      for (const [name, value] of Object.entries(headers ?? {})) {
        reply.header(name, value);
      }
      return undefined;
    }
    const answer = preflight(rules.for(bucket), {
      origin: header(request, 'origin'),
      method: header(request, 'access-control-request-method'),
      headers: header(request, 'access-control-request-headers'),
    });
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) {
      reply.header(name, value);
    }
    // Returning the reply after send() is how an async Fastify hook ends the request early.
    return reply.send(answer.body ?? '');
  });
}
