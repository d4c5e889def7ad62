import type { GatewayResponseType } from './gateway-responses.ts';
import { type Answer, type GatewayAnswerDetails, gatewayAnswer } from './response-mapping.ts';
import type { RestRequestContext } from './rest-request-context.ts';

/** What a step makes of a request: the answer, which ends the chain, or the request for the next step. */
export type StepResult<Out> = { readonly answer: Answer } | { readonly next: Out };

/** One step of the chain: from the request as the steps before it left it (`In`) to what it passes on (`Out`). */
export type RestStep<In, Out = In> = (request: In) => StepResult<Out> | Promise<StepResult<Out>>;

/** Ends the chain with this answer. */
export function answerWith(answer: Answer): StepResult<never> {
  return { answer };
}

/** Ends the chain with a gateway response of the API. */
export function refuse(
  context: RestRequestContext,
  type: GatewayResponseType,
  details?: GatewayAnswerDetails,
): StepResult<never> {
  return answerWith(gatewayAnswer(context, type, details));
}

/** Passes the request to the next step. */
export function passOn<T>(request: T): StepResult<T> {
  return { next: request };
}

/**
 * Steps run one after the other, each on what the one before passed on, until one answers. The types say what a
 * step needs done before it: a step that reads the route can only follow the step that finds it.
 */
export class RestChain<In, Out> {
  private constructor(private readonly run: (request: In) => Promise<StepResult<Out>>) {}

  /** A chain with no step yet, which passes its request on as it came. */
  static of<T>(): RestChain<T, T> {
    return new RestChain(async (request: T) => passOn(request));
  }

  /** This chain, then `step` on what it passes on. */
  andThen<Next>(step: RestStep<Out, Next>): RestChain<In, Next> {
    return new RestChain(async (request: In) => {
      const result = await this.run(request);
      return 'answer' in result ? result : step(result.next);
    });
  }

  /** The whole chain, ended by a step that always answers (the integration). */
  end(last: (request: Out) => Promise<Answer>): (request: In) => Promise<Answer> {
    return async (request) => {
      const result = await this.run(request);
      return 'answer' in result ? result.answer : last(result.next);
    };
  }
}
