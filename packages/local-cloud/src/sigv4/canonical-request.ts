import { Hash } from '@smithy/hash-node';
import { ALGORITHM_IDENTIFIER, createScope, SignatureV4 } from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest } from '@smithy/types';
import type { DistinctHeaders } from './signed-request.ts';

/** SHA-256 (and its HMAC, given a secret), as the SDK's own signer uses it. */
export const Sha256 = Hash.bind(null, 'sha256');

/** The parts of a request its signature covers, as the verifier reads them off the wire. */
export interface SignableParts {
  readonly method: string;
  /** Path as sent, percent-encoding kept. */
  readonly path: string;
  /** Query string as sent, without `?`. */
  readonly query: string;
  readonly headers: DistinctHeaders;
  /** The header names the client signed, in its order. */
  readonly signedHeaders: readonly string[];
  /** The last line of the canonical request: a hex SHA-256 of the body, or `UNSIGNED-PAYLOAD` (S3). */
  readonly payloadHash: string;
}

/** The scope a signature was made for, and by which key. */
export interface SigningScope {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `20261122T104300Z`, from `X-Amz-Date`. */
  readonly amzDate: string;
  readonly signedAt: Date;
  readonly region: string;
  readonly service: string;
}

/** What the signature of a request should be, with the two texts it was computed from (for the error message). */
export interface ExpectedSignature {
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

/**
 * Computes the signature a request should carry, as AWS does: the canonical request (method, URI, query, headers,
 * signed header names, payload hash), the string to sign, then the HMAC chain of the signing key. The SDK's own
 * signer does the encoding, the hashing and the HMACs; what it cannot know (the headers as sent, repeated ones
 * included, and which ones the client signed) is given to it here.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export async function expectedSignature(
  parts: SignableParts,
  scope: SigningScope,
): Promise<ExpectedSignature> {
  const signer = new RequestSigner({
    service: scope.service,
    region: scope.region,
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey: scope.secretAccessKey },
    sha256: Sha256,
    // "Each path segment must be URI-encoded twice (except for Amazon S3 which only gets URI-encoded once)": the
    // path as sent is encoded once, which the signer encodes again (and normalises) unless the service is S3.
    uriEscapePath: scope.service !== 's3',
  });
  const canonicalRequest = signer.canonicalRequest(
    {
      method: parts.method,
      protocol: 'http:',
      hostname: '',
      path: parts.path === '' ? '/' : parts.path,
      query: decodedQuery(parts.query),
      headers: {},
    },
    canonicalHeaders(parts.headers, parts.signedHeaders),
    parts.payloadHash,
  );
  const stringToSign = await signer.stringToSign(
    scope.amzDate,
    createScope(scope.amzDate.slice(0, 8), scope.region, scope.service),
    canonicalRequest,
  );
  const signature = await signer.sign(stringToSign, {
    signingDate: scope.signedAt,
    signingRegion: scope.region,
    signingService: scope.service,
  });
  return { canonicalRequest, stringToSign, signature };
}

/** The SDK's signer, with the two steps it keeps to itself made callable. */
class RequestSigner extends SignatureV4 {
  canonicalRequest(request: HttpRequest, headers: HeaderBag, payloadHash: string): string {
    return this.createCanonicalRequest(request, headers, payloadHash);
  }

  stringToSign(longDate: string, credentialScope: string, canonicalRequest: string): Promise<string> {
    return this.createStringToSign(longDate, credentialScope, canonicalRequest, ALGORITHM_IDENTIFIER);
  }
}

/**
 * The signed headers with their canonical values: each value trimmed, its inner runs of spaces made one, and the
 * values of a repeated header joined with a comma, in the order sent ("my-header1:value2,value2,value1" in AWS's
 * SigV4 test suite, get-header-key-duplicate). A signed header the request lacks counts as empty.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export function canonicalHeaders(headers: DistinctHeaders, signedHeaders: readonly string[]): HeaderBag {
  // No prototype: a header named `__proto__` is a header like any other.
  const canonical: HeaderBag = Object.create(null);
  for (const name of signedHeaders) {
    canonical[name] = (headers[name] ?? []).map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
  }
  return canonical;
}

/**
 * The query's parameters, percent-decoded (the signer encodes them again, RFC 3986 style). A `+` stays a `+`: the
 * query of a signed URL is not form-encoded. A stray `%` is kept as sent; encoding it again then yields a canonical
 * string the client did not sign.
 */
export function decodedQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const pair of rawQuery.split('&')) {
    if (pair === '') {
      continue;
    }
    const equals = pair.indexOf('=');
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1));
    const known = query[name];
    query[name] = known === undefined ? value : [...[known].flat(), value];
  }
  return query;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}
