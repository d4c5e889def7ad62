import { fromEnv } from '@aws-sdk/credential-provider-env';
import { isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './signed-request.ts';

/**
 * The few S3 object operations the functions make (PutObject, GetObject, CopyObject, DeleteObject,
 * CreateMultipartUpload, and presigned URLs), over S3's REST API: requests signed with SigV4 by the SDK's own signer
 * (`@smithy/signature-v4`), sent with `fetch`, and retried as the SDK's standard retry mode does (its own strategy
 * and error classification, up to 3 attempts). The full `@aws-sdk/client-s3` carries every S3 operation's schema
 * and took about 160 KB of each bundle that used it; this client and its operations take about 5 KB.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAPI.html
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */

/** S3's marker for a payload that the signature does not cover: what presigned URLs sign. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const SHA256_PARAMETER = 'X-Amz-Content-Sha256';

/** What an S3 request names: the bucket, the object key and the request's parameters. */
export interface S3Target {
  readonly bucket: string;
  readonly key: string;
  readonly query?: Readonly<Record<string, string>>;
}

export interface S3Request extends S3Target {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

/** An error answer from S3 (or a failure to reach it), classified the way the SDK classifies service errors. */
export class S3RequestError extends Error {
  /** The SDK's shape, which its retry classification reads. */
  readonly $metadata: { readonly httpStatusCode?: number; readonly requestId?: string };
  /** Set when no answer came back at all, which the SDK's classification retries as transient. */
  readonly $retryable?: { readonly throttling: boolean };
  declare readonly cause: Error | undefined;

  constructor(
    /** S3's error code, such as `NoSuchKey`, `AccessDenied` or `SlowDown`. */
    readonly code: string,
    message: string,
    readonly statusCode: number | undefined,
    details: { readonly requestId?: string; readonly cause?: Error } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = code;
    this.$metadata = { httpStatusCode: statusCode, requestId: details.requestId };
    if (statusCode === undefined) {
      this.$retryable = { throttling: false };
    }
  }
}

export interface S3RestClientOptions {
  readonly region: string;
  /**
   * A custom endpoint (an emulator, LocalStack): buckets are then addressed path-style, `{endpoint}/{bucket}/{key}`.
   * Without one, AWS's virtual-hosted endpoint `https://{bucket}.s3.{region}.amazonaws.com/{key}`.
   */
  readonly endpoint?: string;
  /** @default the role's credentials, from the environment as Lambda sets them */
  readonly credentials?: () => Promise<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }>;
  /** @default 3, the SDK's standard mode */
  readonly maxAttempts?: number;
  /** How requests are sent. @default the global `fetch` */
  readonly fetch?: typeof fetch;
}

/**
 * The client a function gets from its environment: Lambda's `AWS_REGION` and credentials, and the endpoint the SDK
 * would use, `AWS_ENDPOINT_URL_S3` or else `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true).
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
export function s3ClientFromEnvironment(environment: NodeJS.ProcessEnv = process.env): S3RestClient {
  const region = environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION;
  if (!region) {
    throw new Error('Missing environment variable AWS_REGION');
  }
  const ignoreEndpoints = environment.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const endpoint = ignoreEndpoints
    ? undefined
    : environment.AWS_ENDPOINT_URL_S3 || environment.AWS_ENDPOINT_URL || undefined;
  return new S3RestClient({ region, endpoint });
}

export class S3RestClient {
  private readonly signer: SignatureV4;
  private readonly retries: StandardRetryStrategy;

  constructor(private readonly options: S3RestClientOptions) {
    // S3 signs the path as sent (each key segment encoded once), and every request carries its payload's hash.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
    this.signer = new SignatureV4({
      service: 's3',
      region: options.region,
      credentials: options.credentials ?? fromEnv(),
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: true,
    });
    this.retries = new StandardRetryStrategy(options.maxAttempts ?? 3);
  }

  /** Where a request goes: path-style on a custom endpoint, virtual-hosted on AWS. */
  address({ bucket, key, query }: S3Target): S3Address {
    const { endpoint, region } = this.options;
    if (endpoint) {
      const base = new URL(endpoint);
      const prefix = base.pathname.replace(/\/+$/, '');
      return addressOf(base, `${prefix}/${uriEncode(bucket)}/${encodeKey(key)}`, query);
    }
    // A bucket whose name has a dot is addressed path-style: its virtual host would not match S3's TLS certificate.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
    const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return bucket.includes('.')
      ? addressOf(new URL(`https://s3.${region}.${domain}`), `/${bucket}/${encodeKey(key)}`, query)
      : addressOf(new URL(`https://${bucket}.s3.${region}.${domain}`), `/${encodeKey(key)}`, query);
  }

  /**
   * Sends a signed request and returns S3's successful response, whose body the caller reads or cancels. An error
   * answer throws an `S3RequestError` with S3's code; throttling and transient failures are retried first.
   */
  async send(request: S3Request): Promise<Response> {
    let token = await this.retries.acquireInitialRetryToken('s3');
    for (;;) {
      try {
        const response = await this.attempt(request);
        this.retries.recordSuccess(token);
        return response;
      } catch (error) {
        if (!(error instanceof S3RequestError)) {
          throw error;
        }
        const errorType = isThrottlingError(error)
          ? 'THROTTLING'
          : isTransientError(error)
            ? 'TRANSIENT'
            : 'CLIENT_ERROR';
        try {
          token = await this.retries.refreshRetryTokenForRetry(token, { errorType });
        } catch {
          throw error;
        }
      }
    }
  }

  /** A presigned URL for `request`: its headers are signed, so the client that uses it must send exactly those. */
  async presign(request: S3Request, expiresInSeconds: number): Promise<string> {
    const address = this.address(request);
    // A presigned URL signs no payload; the signer moves this header into the query, where S3 reads it.
    const headers = { ...request.headers, host: address.host, [SHA256_PARAMETER]: UNSIGNED_PAYLOAD };
    const signed = await this.signer.presign(signable(request.method, address, headers), {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(Object.keys(request.headers ?? {}).map((name) => name.toLowerCase())),
    });
    return `${address.origin}${address.path}${queryString(signed.query)}`;
  }

  private async attempt(request: S3Request): Promise<Response> {
    const address = this.address(request);
    const signed = await this.signer.sign({
      ...signable(request.method, address, { ...request.headers, host: address.host }),
      body: request.body,
    });
    // fetch sets Host (to the value signed) and Content-Length itself.
    const { host: _host, ...headers } = signed.headers;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(
        `${address.origin}${address.path}${queryString(address.query)}`,
        {
          method: request.method,
          headers,
          body: request.body,
          // A redirect (a bucket in another region) is S3's answer, not a place to resend signed headers to.
          redirect: 'manual',
        },
      );
    } catch (error) {
      // No answer at all (a reset or refused connection): retried as transient, as the SDK does.
      throw new S3RequestError('NetworkingError', `S3 at ${address.host} did not answer`, undefined, {
        cause: error instanceof Error ? error : undefined,
      });
    }
    if (response.ok) {
      return response;
    }
    throw await errorOf(response);
  }
}

/** A request's endpoint, encoded path (what SigV4 signs, as sent) and parameters (decoded). */
export interface S3Address {
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: number | undefined;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

function addressOf(base: URL, path: string, query: Readonly<Record<string, string>> = {}): S3Address {
  return {
    origin: base.origin,
    protocol: base.protocol,
    host: base.host,
    hostname: base.hostname,
    port: base.port === '' ? undefined : Number(base.port),
    path,
    query,
  };
}

/** Reads S3's XML error document (`<Error><Code>…</Code><Message>…</Message>`) into an error. */
async function errorOf(response: Response): Promise<S3RequestError> {
  const body = await response.text().catch(() => '');
  const code = xmlText(body, 'Code') ?? defaultCode(response.status);
  const message = xmlText(body, 'Message') ?? `S3 answered ${response.status}`;
  return new S3RequestError(code, message, response.status, {
    requestId: xmlText(body, 'RequestId') ?? response.headers.get('x-amz-request-id') ?? undefined,
  });
}

/**
 * The text of the first `<name>` element of an S3 XML document, entities decoded; undefined when there is none.
 * S3's responses name each of these elements once, with text only inside.
 */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (entity in named) {
      return named[entity] ?? '';
    }
    const hex = entity.startsWith('#x');
    return String.fromCodePoint(Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10));
  });
}

/** Statuses whose answers have no body (HEAD, some 404s): S3's codes for them. */
function defaultCode(status: number): string {
  const codes: Record<number, string> = {
    301: 'PermanentRedirect',
    304: 'NotModified',
    400: 'BadRequest',
    403: 'Forbidden',
    404: 'NotFound',
    412: 'PreconditionFailed',
    503: 'SlowDown',
  };
  return codes[status] ?? `Http${status}`;
}

/**
 * An object key as a URL path: each `/`-separated segment percent-encoded as SigV4 requires. A `.` or `..` segment
 * would be resolved away by any URL parser, so it is refused.
 */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) => {
      if (segment === '.' || segment === '..') {
        throw new Error(`S3 key "${key}" has a "${segment}" segment, which no URL can address`);
      }
      return uriEncode(segment);
    })
    .join('/');
}

/**
 * SigV4's URI encoding: everything but `A-Z a-z 0-9 - _ . ~` percent-encoded, a space as `%20`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-canonical-request
 */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(query: Readonly<Record<string, string | string[] | null>> | undefined): string {
  const pairs = Object.entries(query ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value ?? '']).map((each) => `${uriEncode(name)}=${uriEncode(each)}`),
  );
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function signable(method: string, address: S3Address, headers: Record<string, string>) {
  return {
    method,
    protocol: address.protocol,
    hostname: address.hostname,
    port: address.port,
    path: address.path,
    query: { ...address.query },
    headers,
  };
}
