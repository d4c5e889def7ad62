import type { ApiKey } from './rest-api-model.ts';
import { passOn, type RestStep, refuse } from './rest-chain.ts';
import type { MethodRequest } from './rest-request-context.ts';

/**
 * For a method that requires an API key: the key in `x-api-key` must exist, be enabled and be in a usage plan of
 * this API and stage, else 403 Forbidden (`INVALID_API_KEY`); the key passes on, for throttling and the event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
export const requireApiKey: RestStep<MethodRequest> = (request) => {
  if (!request.route.method.apiKeyRequired) {
    return passOn(request);
  }
  const apiKey = coveredApiKey(request);
  return apiKey ? passOn({ ...request, apiKey }) : refuse(request.context, 'INVALID_API_KEY');
};

/** The API key in `x-api-key`, when it exists, is enabled, and a usage plan covers this API and stage. */
function coveredApiKey({ context, api }: MethodRequest): Pick<ApiKey, 'id' | 'value'> | undefined {
  const value = context.requestHeaders['x-api-key'];
  const key = value === undefined ? undefined : context.apis.apiKeysByValue.get(value);
  if (!key?.enabled) {
    return undefined;
  }
  const covered = context.apis.usagePlans.some(
    (plan) =>
      plan.keyIds.has(key.id) &&
      plan.stages.some((stage) => stage.apiId === api.id && stage.stage === context.stage),
  );
  return covered ? { id: key.id, value: key.value } : undefined;
}
