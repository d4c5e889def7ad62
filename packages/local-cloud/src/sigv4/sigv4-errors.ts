import { createHash } from 'node:crypto';
import type { SignatureLocation, SigV4Error } from './signed-request.ts';

/**
 * The errors a SigV4 check ends in, worded as the service answers them. S3 has its own codes and messages, with
 * extra XML members (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html); the other services share
 * AWS's common ones, as API Gateway shows them
 * (https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch).
 */
export type Dialect = 's3' | 'aws';

export function dialectOf(service: string): Dialect {
  return service === 's3' ? 's3' : 'aws';
}

type Details = SigV4Error['details'];

function error(
  status: 400 | 403,
  code: SigV4Error['code'],
  message: string,
  details: Details = [],
): SigV4Error {
  return { status, code, message, details };
}

const S3_HEADER_MALFORMED = 'The authorization header is malformed; ';
const S3_CREDENTIAL_PARAMETER = 'Error parsing the X-Amz-Credential parameter; ';

/** An `Authorization` header or query parameters that do not make a signature. */
export function malformed(
  dialect: Dialect,
  location: SignatureLocation,
  message: string,
  details: Details = [],
): SigV4Error {
  if (dialect === 'aws') {
    return error(403, 'IncompleteSignatureException', message);
  }
  return location === 'query'
    ? error(400, 'AuthorizationQueryParametersError', message, details)
    : error(400, 'AuthorizationHeaderMalformed', `${S3_HEADER_MALFORMED}${message}`, details);
}

/** A credential that is not `<key>/<date>/<region>/<service>/aws4_request`, or not for this endpoint. */
export function badCredential(
  dialect: Dialect,
  location: SignatureLocation,
  problem: 'form' | 'no-region' | 'region' | 'service' | 'terminator',
  context: { readonly credential: string; readonly got: string; readonly expected: string },
): SigV4Error {
  const { got, expected } = context;
  if (dialect === 'aws') {
    switch (problem) {
      case 'form':
        return error(
          403,
          'IncompleteSignatureException',
          `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${context.credential}'`,
        );
      case 'no-region':
      case 'region':
        return error(
          403,
          'InvalidSignatureException',
          `Credential should be scoped to a valid region, not '${got}'. `,
        );
      case 'service':
        return error(
          403,
          'InvalidSignatureException',
          `Credential should be scoped to correct service: '${expected}'. `,
        );
      case 'terminator':
        return error(
          403,
          'InvalidSignatureException',
          `Credential should be scoped with a valid terminator: '${expected}', not '${got}'. `,
        );
    }
  }
  const prefix = location === 'query' ? S3_CREDENTIAL_PARAMETER : '';
  const texts = {
    form: 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    'no-region': 'a non-empty region must be provided in the credential.',
    region: `the region '${got}' is wrong; expecting '${expected}'`,
    service: `incorrect service "${got}". This endpoint belongs to "${expected}".`,
    terminator: `incorrect terminal "${got}". This endpoint uses "${expected}".`,
  };
  return malformed(
    dialect,
    location,
    `${prefix}${texts[problem]}`,
    problem === 'region' ? [['Region', expected]] : [],
  );
}

/** The credential's date is not the day of `X-Amz-Date`. */
export function scopeDateMismatch(
  dialect: Dialect,
  location: SignatureLocation,
  scopeDate: string,
  amzDate: string,
): SigV4Error {
  const day = amzDate.slice(0, 8);
  return dialect === 'aws'
    ? error(
        403,
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${day}', from '${amzDate}'.`,
      )
    : malformed(
        dialect,
        location,
        `Invalid credential date "${scopeDate}". This date is not the same as X-Amz-Date: "${day}".`,
      );
}

/** `Bearer abc`: a pair without `=` in the `Authorization` header. */
export function missingEqualSign(dialect: Dialect, authorization: string): SigV4Error {
  // The message carries a hash, not the header: the Base64 SHA-256 of the header value.
  const hashed = createHash('sha256').update(authorization, 'utf8').digest('base64');
  return dialect === 'aws'
    ? error(
        403,
        'IncompleteSignatureException',
        `Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '${hashed}'.`,
      )
    : malformed(
        dialect,
        'header',
        'the authorization header requires three components: Credential, SignedHeaders, and Signature.',
      );
}

/** No date, or one not in the ISO 8601 basic format, to go with an `Authorization` header. */
export function badHeaderDate(dialect: Dialect, amzDate: string | undefined): SigV4Error {
  return dialect === 'aws'
    ? error(
        403,
        'IncompleteSignatureException',
        `Date must be in ISO-8601 'basic format'. Got '${amzDate ?? ''}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      )
    : error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
}

/** Both an `Authorization` header and query parameters: S3 takes neither. */
export function twoMechanisms(authorization: string): SigV4Error {
  return error(
    400,
    'InvalidArgument',
    'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
      'parameter or the Authorization header should be specified',
    [
      ['ArgumentName', 'Authorization'],
      ['ArgumentValue', authorization],
    ],
  );
}

/** An `Authorization` header of another scheme than AWS4-HMAC-SHA256 (S3; the others answer a mismatch). */
export function unsupportedAuthorization(): SigV4Error {
  return error(400, 'InvalidArgument', 'Unsupported Authorization Type', [['ArgumentName', 'Authorization']]);
}

export function missingAuthentication(dialect: Dialect): SigV4Error {
  return dialect === 'aws'
    ? error(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token')
    : error(403, 'AccessDenied', 'Access Denied');
}

export function unknownAccessKey(dialect: Dialect, accessKeyId: string): SigV4Error {
  return dialect === 'aws'
    ? error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.')
    : error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', [
        ['AWSAccessKeyId', accessKeyId],
      ]);
}

/** A session token the access key does not have. */
export function invalidToken(dialect: Dialect): SigV4Error {
  return dialect === 'aws'
    ? error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.')
    : error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
}

/** A header signature made further than the allowed skew from the server's clock. */
export function clockSkewed(
  dialect: Dialect,
  amzDate: string,
  signedAt: Date,
  now: Date,
  maxSkewMs: number,
): SigV4Error {
  if (dialect === 's3') {
    return error(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      [
        ['RequestTime', amzDate],
        ['ServerTime', isoSeconds(now)],
        ['MaxAllowedSkewMilliseconds', String(maxSkewMs)],
      ],
    );
  }
  const minutes = `${maxSkewMs / 60_000} min.`;
  const nowText = basicFormat(now.getTime());
  return signedAt.getTime() < now.getTime()
    ? error(
        403,
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is now earlier than ${basicFormat(now.getTime() - maxSkewMs)} (${nowText} - ${minutes})`,
      )
    : error(
        403,
        'InvalidSignatureException',
        `Signature not yet current: ${amzDate} is still later than ${basicFormat(now.getTime() + maxSkewMs)} (${nowText} + ${minutes})`,
      );
}

/** A presigned URL used past `X-Amz-Date` + `X-Amz-Expires`. */
export function requestExpired(
  dialect: Dialect,
  expires: { readonly amzDate: string; readonly expiresParam: string; readonly expiresAt: Date },
  now: Date,
): SigV4Error {
  return dialect === 's3'
    ? error(403, 'AccessDenied', 'Request has expired', [
        ['X-Amz-Expires', expires.expiresParam],
        ['Expires', isoSeconds(expires.expiresAt)],
        ['ServerTime', isoSeconds(now)],
      ])
    : error(
        403,
        'InvalidSignatureException',
        `Signature expired: ${expires.amzDate} is now earlier than ${basicFormat(now.getTime() - Number(expires.expiresParam) * 1000)}`,
      );
}

/** A presigned URL used more than the allowed skew before its `X-Amz-Date`. */
export function requestNotYetValid(
  dialect: Dialect,
  signedAt: Date,
  amzDate: string,
  expiresAt: Date,
  now: Date,
): SigV4Error {
  return dialect === 's3'
    ? error(403, 'AccessDenied', 'Request is not yet valid', [
        ['X-Amz-Date', String(signedAt.getTime())],
        ['Expires', isoSeconds(expiresAt)],
        ['ServerTime', isoSeconds(now)],
      ])
    : error(
        403,
        'InvalidSignatureException',
        `Signature not yet current: ${amzDate} is still later than ${basicFormat(now.getTime())}`,
      );
}

/** `x-amz-*` headers sent with a presigned URL that does not sign them (S3). */
export function headersNotSigned(names: readonly string[]): SigV4Error {
  return error(403, 'AccessDenied', 'There were headers present in the request which were not signed', [
    ['HeadersNotSigned', names.join(', ')],
  ]);
}

/** A body whose SHA-256 is not the `x-amz-content-sha256` it was signed with (S3; the others answer a mismatch). */
export function contentHashMismatch(claimed: string, computed: string): SigV4Error {
  return error(
    400,
    'XAmzContentSHA256Mismatch',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
    [
      ['ClientComputedContentSHA256', claimed],
      ['S3ComputedContentSHA256', computed],
    ],
  );
}

/** The signature is not the one computed: the message shows what was computed, so that it can be debugged. */
export function signatureMismatch(
  dialect: Dialect,
  computed: {
    readonly accessKeyId: string;
    readonly canonicalRequest: string;
    readonly stringToSign: string;
  },
  providedSignature: string,
): SigV4Error {
  if (dialect === 'aws') {
    return error(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
        'Access Key and signing method. Consult the service documentation for details.\n\n' +
        `The Canonical String for this request should have been\n'${computed.canonicalRequest}'\n\n` +
        `The String-to-Sign should have been\n'${computed.stringToSign}'\n`,
    );
  }
  return error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    [
      ['AWSAccessKeyId', computed.accessKeyId],
      ['StringToSign', computed.stringToSign],
      ['SignatureProvided', providedSignature],
      ['StringToSignBytes', hexBytes(computed.stringToSign)],
      ['CanonicalRequest', computed.canonicalRequest],
      ['CanonicalRequestBytes', hexBytes(computed.canonicalRequest)],
    ],
  );
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function basicFormat(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function hexBytes(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}
