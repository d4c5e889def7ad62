import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (and its HMAC, given a secret) from node:crypto, as the SDK's own signer uses it. */
export const Sha256 = Hash.bind(null, 'sha256');

/** A response's status and parsed JSON body (`undefined` when the body is not JSON). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * GETs a URL of an API Gateway method with `AWS_IAM` authorization, signed with SigV4 (service `execute-api`)
 * by the function's own credentials: the role's policy decides which methods it may call.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */
export function signedJsonGetter(region: string): (url: string) => Promise<JsonResponse> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: fromEnv(),
    sha256: Sha256,
  });
  return async (target) => {
    const url = new URL(target);
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, accept: 'application/json' },
    });
    // fetch sets Host from the URL itself, to the value that was signed.
    const { host: _host, ...headers } = signed.headers;
    const response = await fetch(url, { method: 'GET', headers });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  };
}
