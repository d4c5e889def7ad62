import type { ServerResponse } from 'node:http';
import type { FunctionInvoker } from '../lambda/types.ts';
import { requireApiKey } from './api-key-step.ts';
import { type AuthorizationOptions, authorize } from './authorization-step.ts';
import { integrate } from './integration-step.ts';
import { failureOf } from './request-failure.ts';
import { ModelValidator } from './request-validation.ts';
import { type Answer, gatewayAnswer, writeAnswer } from './response-mapping.ts';
import type { RestApis } from './rest-api-model.ts';
import { RestChain } from './rest-chain.ts';
import {
  type IncomingHttpRequest,
  type RestRequestContext,
  restRequestContext,
} from './rest-request-context.ts';
import { findMethod, findStage, readBodyWithinLimit } from './route-step.ts';
import { throttle } from './throttle-step.ts';
import { QuotaCounters, TokenBuckets } from './throttling.ts';
import { validateRequest } from './validation-step.ts';

export interface RestApiHandlerOptions extends AuthorizationOptions {
  readonly invoker: FunctionInvoker;
  readonly log?: (line: string) => void;
}

/**
 * Answers requests to REST APIs through a chain of steps in API Gateway's order: the stage, the payload limit and
 * the route; authorization; the API key and usage plan; throttling; request validation; the integration. The first
 * step that answers ends the chain; the answer goes out with API Gateway's response headers.
 */
export class RestApiHandler {
  private readonly chain: (context: RestRequestContext) => Promise<Answer>;
  private readonly log: (line: string) => void;

  constructor(
    /** The APIs served; replaced whole by a reload, so that a request sees one version from start to end. */
    public apis: RestApis,
    options: RestApiHandlerOptions,
  ) {
    this.log = options.log ?? (() => {});
    // Throttling and quota counters and compiled models outlive reloads.
    const counters = { buckets: new TokenBuckets(), quotas: new QuotaCounters() };
    this.chain = RestChain.of<RestRequestContext>()
      .andThen(findStage)
      .andThen(readBodyWithinLimit)
      .andThen(findMethod)
      .andThen(authorize(options))
      .andThen(requireApiKey)
      .andThen(throttle(counters))
      .andThen(validateRequest(new ModelValidator()))
      .end(integrate({ invoker: options.invoker, accountId: options.accountId, log: this.log }));
  }

  async handle(request: IncomingHttpRequest, response: ServerResponse, url: URL): Promise<void> {
    const started = performance.now();
    const context = restRequestContext(request, url, this.apis);
    let answer: Answer;
    try {
      answer = await this.chain(context);
    } catch (error) {
      this.log(`${context.requestId} failed: ${failureOf(error)}`);
      answer = gatewayAnswer(context, 'API_CONFIGURATION_ERROR');
    }
    writeAnswer(response, context, answer);
    this.log(
      `${context.httpMethod} ${url.pathname} ${answer.status} ${(performance.now() - started).toFixed(1)} ms ${context.requestId}`,
    );
  }
}
