import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { distinctHeaders } from '../sigv4/distinct-headers.ts';
import type { SecretLookup } from '../sigv4/signed-request.ts';
import { verifySigV4 } from '../sigv4/verify-signature.ts';

export type { SecretLookup } from '../sigv4/signed-request.ts';

/**
 * `AWS_IAM` authorization of REST API methods: the request must carry a SigV4 signature (service `execute-api`)
 * made with a known access key. On the local server the path starts with `/{apiId}/{stage}` and the host is
 * `127.0.0.1:{port}`, which is what a client signing the local URL signs. IAM policies are not evaluated (the
 * local cloud never evaluates IAM): a valid signature by a local access key is enough to call any method.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */

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
  /**
   * Header names in lower case, as Node.js parses them: `headersDistinct` keeps each value of a repeated header,
   * which SigV4 joins with a comma (`headers` has them joined with a comma and a space already).
   */
  readonly headers: IncomingHttpHeaders | NodeJS.Dict<string[]>;
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

const ERROR_TYPES: ReadonlyArray<IamRefusal['errorType']> = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
];

/**
 * Checks a request to an `AWS_IAM` method as API Gateway does (the SigV4 module does the checking), answering
 * with its messages: no signature is "Missing Authentication Token"; a malformed one `IncompleteSignatureException`;
 * a wrong scope, a signing time more than 5 minutes off, or a signature that does not match
 * `InvalidSignatureException`; an unknown access key (or a session token, since the local keys have none)
 * `UnrecognizedClientException`. API Gateway documents one gateway response type for all of these but the first,
 * `INVALID_SIGNATURE`.
 * https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch
 */
export async function verifyIamRequest(
  request: SignedRequest,
  options: IamCheckOptions,
): Promise<IamVerdict> {
  const verdict = await verifySigV4(
    {
      method: request.method,
      path: request.rawPath,
      query: request.rawQuery,
      headers: distinctHeaders(request.headers),
      bodySha256: createHash('sha256').update(request.body).digest('hex'),
    },
    { ...options, service: 'execute-api' },
  );
  if (!verdict.ok) {
    const { code, message } = verdict.error;
    const errorType = ERROR_TYPES.find((type) => type === code) ?? 'InvalidSignatureException';
    return {
      ok: false,
      refusal: {
        type:
          errorType === 'MissingAuthenticationTokenException'
            ? 'MISSING_AUTHENTICATION_TOKEN'
            : 'INVALID_SIGNATURE',
        message,
        errorType,
      },
    };
  }
  const { accessKeyId, caller } = verdict;
  return {
    ok: true,
    caller: {
      accessKey: accessKeyId,
      accountId: caller.accountId,
      caller: caller.userId,
      user: caller.userId,
      userArn: caller.arn,
    },
  };
}
