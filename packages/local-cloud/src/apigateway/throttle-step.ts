import type { GatewayResponseType } from './gateway-responses.ts';
import { passOn, type RestStep, refuse } from './rest-chain.ts';
import type { MethodRequest } from './rest-request-context.ts';
import type { QuotaCounters, TokenBuckets } from './throttling.ts';

/** The counters throttling keeps across requests (and reloads). */
export interface ThrottleCounters {
  readonly buckets: TokenBuckets;
  readonly quotas: QuotaCounters;
}

/**
 * Stage throttling, then for a request with an API key each usage plan's throttle and quota for the key:
 * 429 `THROTTLED` or `QUOTA_EXCEEDED`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 */
export function throttle(counters: ThrottleCounters): RestStep<MethodRequest> {
  return (request) => {
    const limited = limitReached(request, counters);
    return limited ? refuse(request.context, limited) : passOn(request);
  };
}

function limitReached(
  { context, api, apiKey }: MethodRequest,
  { buckets, quotas }: ThrottleCounters,
): GatewayResponseType | undefined {
  const stageThrottle = api.stages.get(context.stage)?.throttle;
  if (stageThrottle && !buckets.take(`stage/${api.id}/${context.stage}`, stageThrottle)) {
    return 'THROTTLED';
  }
  const keyId = apiKey?.id;
  if (keyId === undefined) {
    return undefined;
  }
  for (const plan of context.apis.usagePlans) {
    const stage = plan.stages.find((entry) => entry.apiId === api.id && entry.stage === context.stage);
    if (!plan.keyIds.has(keyId) || !stage) {
      continue;
    }
    const planThrottle = stage.throttle ?? plan.throttle;
    if (planThrottle && !buckets.take(`plan/${plan.id}/${keyId}`, planThrottle)) {
      return 'THROTTLED';
    }
    if (plan.quota && !quotas.take(`plan/${plan.id}/${keyId}`, plan.quota)) {
      return 'QUOTA_EXCEEDED';
    }
  }
  return undefined;
}
