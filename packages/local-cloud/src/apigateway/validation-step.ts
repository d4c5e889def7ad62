import type { ModelValidator } from './request-validation.ts';
import type { RestMethod } from './rest-api-model.ts';
import { passOn, type RestStep, refuse } from './rest-chain.ts';
import type { MethodRequest, RestRequestContext } from './rest-request-context.ts';

/**
 * The method's request validator: required parameters (present and not blank), then the body against the model
 * for its content type (application/json when unset); 400 `BAD_REQUEST_PARAMETERS` or `BAD_REQUEST_BODY`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 */
export function validateRequest(validator: ModelValidator): RestStep<MethodRequest> {
  return (request) => {
    const { context } = request;
    const { method } = request.route;
    if (method.validateParameters && missesRequiredParameter(method, context)) {
      return refuse(context, 'BAD_REQUEST_PARAMETERS');
    }
    const errors = method.validateBody ? bodyErrors(method, context, request.body, validator) : undefined;
    return errors === undefined
      ? passOn(request)
      : refuse(context, 'BAD_REQUEST_BODY', { validationErrorString: errors });
  };
}

function missesRequiredParameter(method: RestMethod, context: RestRequestContext): boolean {
  for (const [parameter, required] of Object.entries(method.requestParameters)) {
    const [, location, name = ''] = /^method\.request\.(querystring|header)\.(.+)$/.exec(parameter) ?? [];
    // "included and not blank": `?customerId=` or an empty header is missing too.
    const present =
      location === 'querystring'
        ? context.url.searchParams.getAll(name).some((value) => value.trim() !== '')
        : location === 'header'
          ? (context.requestHeaders[name.toLowerCase()] ?? '').trim() !== ''
          : true;
    if (required && !present) {
      return true;
    }
  }
  return false;
}

/** The validator's errors for the body, `undefined` when it is valid or no model covers its content type. */
function bodyErrors(
  method: RestMethod,
  context: RestRequestContext,
  body: Buffer,
  validator: ModelValidator,
): string | undefined {
  const contentType =
    (context.requestHeaders['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  const schema = method.requestModels.get(contentType) ?? method.requestModels.get('$default');
  return schema ? validator.validate(schema, body.toString('utf8')) : undefined;
}
