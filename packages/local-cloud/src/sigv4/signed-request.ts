/**
 * What SigV4 verification takes and gives, for any service: a request as it came off the wire in, a verdict out
 * (who signed it, or the error the service answers with).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */

/** Header values by lower-case name, each value as sent and in order (Node's `headersDistinct`). */
export type DistinctHeaders = Readonly<Record<string, readonly string[] | undefined>>;

/** A request as received, before anything decodes or normalises it. */
export interface SigV4Request {
  readonly method: string;
  /** Path exactly as sent, percent-encoding kept, e.g. `/bucket/a%20b.txt`. */
  readonly path: string;
  /** Query string as sent, without `?`. */
  readonly query: string;
  readonly headers: DistinctHeaders;
  /**
   * Lower-case hex SHA-256 of the body as received, checked against `x-amz-content-sha256` and used as the payload
   * hash when the client sent none. @default not known: the client's `x-amz-content-sha256` is taken as it is
   */
  readonly bodySha256?: string;
}

/** The secret access key of an access key id, or undefined when no such key exists. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** What the verifier checks the request against. */
export interface SigV4Options {
  /** The signing name of the service the request is for (`execute-api`, `s3`, ...): the scope must name it. */
  readonly service: string;
  /** The endpoint's region: the scope must name it. @default any region */
  readonly region?: string;
  readonly secretFor: SecretLookup;
  /** The account the access keys belong to. */
  readonly accountId: string;
  /** The server's clock. */
  readonly now: Date;
  /**
   * How far a header signature's `X-Amz-Date` may be from `now`, either way. @default the service's: 15 minutes
   * for S3 (RequestTimeTooSkewed), 5 minutes for the others
   */
  readonly maxClockSkewMs?: number;
}

/** Where the signature was: the `Authorization` header or the query string (a presigned URL). */
export type SignatureLocation = 'header' | 'query';

/** The principal an access key stands for. */
export interface SigV4Caller {
  readonly accountId: string;
  /** The principal id: for an account's root user, the account id. */
  readonly userId: string;
  readonly arn: string;
}

/**
 * Error codes, in the dialect of the service: S3 answers with its own codes (XML); the other services with the
 * `...Exception` codes of AWS's common authentication errors (`x-amzn-ErrorType`).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 * https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html
 */
export type SigV4ErrorCode =
  // S3
  | 'AccessDenied'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'InvalidAccessKeyId'
  | 'InvalidArgument'
  | 'InvalidToken'
  | 'RequestTimeTooSkewed'
  | 'SignatureDoesNotMatch'
  | 'XAmzContentSHA256Mismatch'
  // every other service
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException';

/** Why a request is refused: the status, code and message the service answers with. */
export interface SigV4Error {
  readonly status: 400 | 403;
  readonly code: SigV4ErrorCode;
  readonly message: string;
  /** Members S3 adds after `Message` (`Expires`, `ServerTime`, `StringToSign`, ...), in its order. */
  readonly details: ReadonlyArray<readonly [name: string, value: string]>;
}

export type SigV4Verdict =
  | {
      readonly ok: true;
      readonly accessKeyId: string;
      readonly caller: SigV4Caller;
      readonly location: SignatureLocation;
    }
  | { readonly ok: false; readonly error: SigV4Error };
