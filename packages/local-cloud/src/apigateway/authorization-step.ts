import { type SecretLookup, verifyIamRequest } from './iam-authorization.ts';
import { passOn, type RestStep, refuse } from './rest-chain.ts';
import type { MethodRequest } from './rest-request-context.ts';

export interface AuthorizationOptions {
  /** The secret of each access key that may sign requests. @default none: every signed request is refused */
  readonly secretFor?: SecretLookup;
  /** The region and account of the API, which a signature's scope and the caller name. */
  readonly region: string;
  readonly accountId: string;
  /** The clock signing times are checked against. @default the system clock */
  readonly now?: () => Date;
}

/**
 * Authorizes a method's callers, before the API key and the usage plan, as in API Gateway's request flow: an
 * `AWS_IAM` method takes only requests with a valid SigV4 signature (the caller then passes on); `NONE` takes any.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */
export function authorize(options: AuthorizationOptions): RestStep<MethodRequest> {
  return async (request) => {
    if (request.route.method.authorizationType !== 'AWS_IAM') {
      return passOn(request);
    }
    const { context } = request;
    const verdict = await verifyIamRequest(
      {
        // The signature covers the method on the wire, whatever X-HTTP-Method-Override says.
        method: context.request.method ?? 'GET',
        rawPath: context.url.pathname,
        rawQuery: context.url.search.slice(1),
        headers: context.request.headersDistinct,
        body: request.body,
      },
      {
        secretFor: options.secretFor ?? (() => undefined),
        region: options.region,
        accountId: options.accountId,
        now: options.now?.() ?? new Date(),
      },
    );
    if (!verdict.ok) {
      const { type, message, errorType } = verdict.refusal;
      return refuse(context, type, { errorOverride: { message, errorType } });
    }
    return passOn({ ...request, caller: verdict.caller });
  };
}
