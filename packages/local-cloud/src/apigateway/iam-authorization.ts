import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { ALGORITHM_IDENTIFIER, getCanonicalHeaders, SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { parseAmzDate } from '../sigv4-dates.ts';

/** SHA-256 (and its HMAC, given a secret), as the SDK's own signer uses it. */
export const Sha256 = Hash.bind(null, 'sha256');

/**
 * `AWS_IAM` authorization of REST API methods: the request must carry a SigV4 signature (service `execute-api`)
 * made with a known access key. The signature is checked by computing it again with `@smithy/signature-v4` over
 * what the client sent: on the local server the path starts with `/{apiId}/{stage}` and the host is
 * `127.0.0.1:{port}`, which is what a client signing the local URL signs. IAM policies are not evaluated (the
 * local cloud never evaluates IAM): a valid signature by a local access key is enough to call any method.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */

/** The secret access key of an access key id, or undefined when no such key exists. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** Who signed a request, as API Gateway puts it in `requestContext.identity`. */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  /** The principal id: for an account's root user, the account id. */
  readonly caller: string;
  readonly user: string;
  readonly userArn: string;
}

/** The request as it came off the wire. */
export interface SignedRequest {
  readonly method: string;
  /** Path exactly as sent, percent-encoding kept, e.g. `/a1b2c3d4e5/live/orders/o-1`. */
  readonly rawPath: string;
  /** Query string as sent, without `?`. */
  readonly rawQuery: string;
  /** Header names in lower case, as Node.js parses them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Why a request is refused: the gateway response type with API Gateway's message and `x-amzn-ErrorType`. */
export interface IamRefusal {
  readonly type: 'MISSING_AUTHENTICATION_TOKEN' | 'INVALID_SIGNATURE';
  readonly message: string;
  readonly errorType:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException'
    | 'UnrecognizedClientException';
}

export type IamVerdict =
  | { readonly ok: true; readonly caller: IamCaller }
  | { readonly ok: false; readonly refusal: IamRefusal };

export interface IamCheckOptions {
  readonly secretFor: SecretLookup;
  /** The API's region: the credential scope must name it. */
  readonly region: string;
  /** The account the local access keys belong to. */
  readonly accountId: string;
  readonly now: Date;
}

const SERVICE = 'execute-api';
const TERMINATOR = 'aws4_request';
// AWS refuses a request whose signing time is more than 5 minutes away from its own clock, either way.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const REQUIRED_PARTS = ['Credential', 'Signature', 'SignedHeaders'] as const;

/**
 * Checks a request to an `AWS_IAM` method as API Gateway does, answering with its messages: no `Authorization`
 * header is "Missing Authentication Token"; a malformed one `IncompleteSignatureException`; a wrong scope, a
 * signing time more than 5 minutes off, or a signature that does not match `InvalidSignatureException`; an
 * unknown access key (or a session token, since the local keys have none) `UnrecognizedClientException`.
 * API Gateway documents one gateway response type for these, `INVALID_SIGNATURE`; the local cloud answers each
 * with it. Query-string (presigned) signatures are not accepted locally.
 * https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch
 */
export async function verifyIamRequest(
  request: SignedRequest,
  options: IamCheckOptions,
): Promise<IamVerdict> {
  const authorization = headerValue(request.headers.authorization);
  if (authorization === undefined) {
    return refuse(
      'MISSING_AUTHENTICATION_TOKEN',
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
    );
  }
  const header = parseAuthorization(authorization);
  if ('missingEqualSign' in header) {
    // The message carries a hash, not the header: the Base64 SHA-256 of the header value.
    const hashed = createHash('sha256').update(authorization, 'utf8').digest('base64');
    return incomplete(
      `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed}'.`,
    );
  }
  const amzDate = headerValue(request.headers['x-amz-date']);
  const missing = [
    ...REQUIRED_PARTS.filter((part) => header.parts.get(part) === undefined).map(
      (part) => `Authorization header requires '${part}' parameter.`,
    ),
    ...(amzDate === undefined && request.headers.date === undefined
      ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]
      : []),
  ];
  if (missing.length > 0) {
    return incomplete(`${missing.join(' ')} Authorization=${authorization}`);
  }
  const credential = header.parts.get('Credential') as string;
  const signature = header.parts.get('Signature') as string;
  const signedHeaders = (header.parts.get('SignedHeaders') as string).split(';');
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (signedAt === undefined) {
    // Signatures dated only by the `Date` header are not supported locally; every AWS SDK sends X-Amz-Date.
    return incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${amzDate ?? ''}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  const scope = credential.split('/');
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = ''] = scope;
  if (scope.length !== 5) {
    return incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  if (region !== options.region) {
    return invalid(`Credential should be scoped to a valid region, not '${region}'. `);
  }
  if (service !== SERVICE) {
    return invalid(`Credential should be scoped to correct service: '${SERVICE}'. `);
  }
  if (terminator !== TERMINATOR) {
    return invalid(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `,
    );
  }
  const shortDate = (amzDate as string).slice(0, 8);
  if (scopeDate !== shortDate) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${shortDate}', from '${amzDate}'.`,
    );
  }
  const secretAccessKey = options.secretFor(accessKeyId);
  if (secretAccessKey === undefined || request.headers['x-amz-security-token'] !== undefined) {
    return refuse(
      'INVALID_SIGNATURE',
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  const skewMs = signedAt.getTime() - options.now.getTime();
  if (skewMs < -MAX_CLOCK_SKEW_MS) {
    return invalid(
      `Signature expired: ${amzDate} is now earlier than ${basicFormat(options.now.getTime() - MAX_CLOCK_SKEW_MS)} (${basicFormat(options.now.getTime())} - 5 min.)`,
    );
  }
  if (skewMs > MAX_CLOCK_SKEW_MS) {
    return invalid(
      `Signature not yet current: ${amzDate} is still later than ${basicFormat(options.now.getTime() + MAX_CLOCK_SKEW_MS)} (${basicFormat(options.now.getTime())} + 5 min.)`,
    );
  }

  const signer = new VerifyingSigner({
    service: SERVICE,
    region,
    credentials: { accessKeyId, secretAccessKey },
    sha256: Sha256,
    // The client's own x-amz-content-sha256, when it sent and signed one, is part of what is checked.
    applyChecksum: false,
  });
  const toSign = signableRequest(request, signedHeaders);
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = toSign.headers['x-amz-content-sha256'];
  const signed = await signer.sign(toSign, {
    signingDate: signedAt,
    signableHeaders: new Set(signedHeaders),
  });
  const expected = /Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  const expectedHeaders = /SignedHeaders=([^,]+),/.exec(String(signed.headers.authorization))?.[1] ?? '';
  // The signer trusts a given x-amz-content-sha256; API Gateway hashes the body it received.
  const bodyMatches = claimedHash === undefined || claimedHash === bodyHash;
  // Another algorithm (SigV4a, SigV2) cannot have made the signature computed here: that is a mismatch too.
  if (
    header.algorithm !== ALGORITHM_IDENTIFIER ||
    !bodyMatches ||
    expectedHeaders !== signedHeaders.join(';') ||
    !sameText(expected, signature)
  ) {
    const { canonicalRequest, stringToSign } = await signer.explain(
      { ...toSign, headers: { ...toSign.headers, 'x-amz-date': amzDate as string } },
      new Set(signedHeaders),
      bodyHash,
      amzDate as string,
      `${scopeDate}/${region}/${service}/${terminator}`,
    );
    return invalid(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
        'Access Key and signing method. Consult the service documentation for details.\n\n' +
        `The Canonical String for this request should have been\n'${canonicalRequest}'\n\n` +
        `The String-to-Sign should have been\n'${stringToSign}'\n`,
    );
  }
  // The local access keys stand for the account's root user, as the local STS (fauxqs GetCallerIdentity) says.
  return {
    ok: true,
    caller: {
      accessKey: accessKeyId,
      accountId: options.accountId,
      caller: options.accountId,
      user: options.accountId,
      userArn: `arn:aws:iam::${options.accountId}:root`,
    },
  };
}

/** A signer that also shows its canonical request and string to sign, for the mismatch message. */
class VerifyingSigner extends SignatureV4 {
  async explain(
    request: HttpRequest,
    signedHeaders: ReadonlySet<string>,
    payloadHash: string,
    longDate: string,
    credentialScope: string,
  ): Promise<{ canonicalRequest: string; stringToSign: string }> {
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(signedHeaders));
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = await this.createStringToSign(
      longDate,
      credentialScope,
      canonicalRequest,
      ALGORITHM_IDENTIFIER,
    );
    return { canonicalRequest, stringToSign };
  }
}

/** The request as the signer takes it: only the headers the client signed, the path and query as sent. */
function signableRequest(request: SignedRequest, signedHeaders: readonly string[]): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers[name]);
    if (value !== undefined) {
      headers[name] = value;
    }
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(request.rawQuery)) {
    const known = query[name];
    query[name] = known === undefined ? value : [...[known].flat(), value];
  }
  const [hostname = '', port] = (headers.host ?? '').split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname,
    port: port === undefined ? undefined : Number(port),
    path: request.rawPath,
    query,
    headers,
    body: request.body,
  };
}

type ParsedAuthorization =
  | { readonly algorithm: string; readonly parts: ReadonlyMap<string, string> }
  | { readonly missingEqualSign: true };

/** `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` as name-value pairs after the algorithm. */
function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const rest = space === -1 ? '' : value.slice(space + 1);
  const parts = new Map<string, string>();
  for (const pair of rest.split(',').map((one) => one.trim())) {
    if (pair === '') {
      continue;
    }
    const equals = pair.indexOf('=');
    if (equals === -1) {
      return { missingEqualSign: true };
    }
    parts.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return { algorithm: space === -1 ? value : value.slice(0, space), parts };
}

function refuse(type: IamRefusal['type'], errorType: IamRefusal['errorType'], message: string): IamVerdict {
  return { ok: false, refusal: { type, errorType, message } };
}

function incomplete(message: string): IamVerdict {
  return refuse('INVALID_SIGNATURE', 'IncompleteSignatureException', message);
}

function invalid(message: string): IamVerdict {
  return refuse('INVALID_SIGNATURE', 'InvalidSignatureException', message);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function basicFormat(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sameText(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  // Compare equal-length buffers even on a length mismatch, so the time taken does not tell the length.
  return timingSafeEqual(a, b.length === a.length ? b : a) && a.length === b.length;
}
