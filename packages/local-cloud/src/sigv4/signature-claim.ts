import { parseAmzDate } from './amz-date.ts';
import { decodedQuery } from './canonical-request.ts';
import type { SignatureLocation, SigV4Error, SigV4Request } from './signed-request.ts';
import {
  badHeaderDate,
  type Dialect,
  malformed,
  missingEqualSign,
  twoMechanisms,
  unsupportedAuthorization,
} from './sigv4-errors.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
// The longest X-Amz-Expires S3 accepts: 7 days.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
export const MAX_EXPIRES_SECONDS = 604_800;

/** What a request says about its signature, read from the `Authorization` header or the query. */
export interface SignatureClaim {
  readonly location: SignatureLocation;
  readonly algorithm: string;
  /** `<access key id>/<date>/<region>/<service>/aws4_request`, as sent. */
  readonly credential: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly amzDate: string;
  readonly signedAt: Date;
  /** `X-Amz-Expires` as sent and in seconds (presigned URLs). */
  readonly expires?: { readonly param: string; readonly seconds: number };
  /** `X-Amz-Security-Token` or `x-amz-security-token`. */
  readonly securityToken?: string;
  /** The payload hash the client signed, when it said so (`x-amz-content-sha256`, `X-Amz-Content-Sha256`). */
  readonly contentSha256?: string;
}

export type ClaimReading =
  | { readonly claim: SignatureClaim }
  | { readonly error: SigV4Error }
  | { readonly unsigned: true };

/**
 * The signature a request carries, from its `Authorization` header or from its query (`X-Amz-Algorithm` and the
 * others of a presigned URL), or the error for a malformed one. S3 refuses a request with both; the other
 * services read the header.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-authentication-methods.html
 */
export function readClaim(request: SigV4Request, dialect: Dialect): ClaimReading {
  const authorization = joined(request.headers.authorization);
  const parameters = decodedQuery(request.query);
  const hasQueryAuth = parameters['X-Amz-Algorithm'] !== undefined;
  if (authorization === undefined && !hasQueryAuth) {
    return { unsigned: true };
  }
  if (authorization !== undefined && hasQueryAuth && dialect === 's3') {
    return { error: twoMechanisms(authorization) };
  }
  return authorization === undefined
    ? queryClaim(parameters, request, dialect)
    : headerClaim(authorization, request, dialect);
}

const REQUIRED_HEADER_PARTS = ['Credential', 'Signature', 'SignedHeaders'] as const;

/** `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` with `X-Amz-Date`. */
function headerClaim(authorization: string, request: SigV4Request, dialect: Dialect): ClaimReading {
  const space = authorization.indexOf(' ');
  const algorithm = space === -1 ? authorization : authorization.slice(0, space);
  if (dialect === 's3' && algorithm !== ALGORITHM) {
    return { error: unsupportedAuthorization() };
  }
  const parts = new Map<string, string>();
  for (const pair of (space === -1 ? '' : authorization.slice(space + 1))
    .split(',')
    .map((one) => one.trim())) {
    if (pair === '') {
      continue;
    }
    const equals = pair.indexOf('=');
    if (equals === -1) {
      return { error: missingEqualSign(dialect, authorization) };
    }
    parts.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const amzDate = joined(request.headers['x-amz-date']);
  const missing = [
    ...REQUIRED_HEADER_PARTS.filter((part) => !parts.has(part)).map(
      (part) => `Authorization header requires '${part}' parameter.`,
    ),
    ...(amzDate === undefined && request.headers.date === undefined
      ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]
      : []),
  ];
  if (missing.length > 0) {
    return {
      error:
        dialect === 'aws'
          ? malformed(dialect, 'header', `${missing.join(' ')} Authorization=${authorization}`)
          : missingEqualSign(dialect, authorization),
    };
  }
  // Signatures dated only by the `Date` header are not supported locally; every AWS SDK sends X-Amz-Date.
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined) {
    return { error: badHeaderDate(dialect, amzDate) };
  }
  return {
    claim: {
      location: 'header',
      algorithm,
      credential: parts.get('Credential') as string,
      signedHeaders: (parts.get('SignedHeaders') as string).split(';'),
      signature: parts.get('Signature') as string,
      amzDate,
      signedAt,
      securityToken: joined(request.headers['x-amz-security-token']),
      contentSha256: joined(request.headers['x-amz-content-sha256']),
    },
  };
}

const REQUIRED_PARAMETERS = [
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
] as const;

/**
 * A presigned URL's parameters, checked in S3's order: algorithm, required parameters, date, expiry bounds.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */
function queryClaim(
  parameters: Record<string, string | string[]>,
  request: SigV4Request,
  dialect: Dialect,
): ClaimReading {
  const param = (name: string): string | undefined => [parameters[name] ?? []].flat()[0];
  const refuse = (message: string): ClaimReading => ({ error: malformed(dialect, 'query', message) });
  const algorithm = param('X-Amz-Algorithm') as string;
  if (algorithm !== ALGORITHM) {
    return refuse('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256 and AWS4-ECDSA-P256-SHA256"');
  }
  const [credential, signature, amzDate, signedHeaders, expiresParam] = REQUIRED_PARAMETERS.map(param);
  if (
    credential === undefined ||
    signature === undefined ||
    amzDate === undefined ||
    signedHeaders === undefined ||
    expiresParam === undefined
  ) {
    return refuse(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, ' +
        'X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return refuse("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (!/^-?\d+$/.test(expiresParam)) {
    return refuse('X-Amz-Expires should be a number');
  }
  const seconds = Number(expiresParam);
  if (seconds < 0) {
    return refuse('X-Amz-Expires must be non-negative');
  }
  if (seconds > MAX_EXPIRES_SECONDS) {
    return refuse(
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less ' +
        `than ${MAX_EXPIRES_SECONDS} seconds`,
    );
  }
  return {
    claim: {
      location: 'query',
      algorithm,
      credential,
      signedHeaders: signedHeaders.split(';'),
      signature,
      amzDate,
      signedAt,
      expires: { param: expiresParam, seconds },
      securityToken: param('X-Amz-Security-Token') ?? joined(request.headers['x-amz-security-token']),
      contentSha256: param('X-Amz-Content-Sha256'),
    },
  };
}

/** A header's values as one: repeated headers joined with a comma, as SigV4 joins them. */
function joined(values: readonly string[] | undefined): string | undefined {
  return values === undefined || values.length === 0 ? undefined : values.join(',');
}
