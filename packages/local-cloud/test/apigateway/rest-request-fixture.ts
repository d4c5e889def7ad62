import { Readable } from 'node:stream';
import type { Answer } from '../../src/apigateway/response-mapping.ts';
import { buildRestApis, matchRoute } from '../../src/apigateway/rest-api-model.ts';
import type { StepResult } from '../../src/apigateway/rest-chain.ts';
import {
  type IncomingHttpRequest,
  type MethodRequest,
  type RestRequestContext,
  restRequestContext,
} from '../../src/apigateway/rest-request-context.ts';
import type { DeployedStack } from '../../src/cloudformation/types.ts';
import { API_ID, STAGE } from './fixture-stack.ts';

/** A request to the fixture API, as a client sends it. */
export interface FixtureRequest {
  /** The path under the stage, with its query; or, starting with `//`, the whole path (another API or stage). */
  readonly path: string;
  /** @default GET */
  readonly method?: string;
  /** By lower-case name. */
  readonly headers?: Record<string, string>;
  /** The body's chunks as they arrive. */
  readonly chunks?: readonly Buffer[];
}

/** A request as Node.js hands it to the server, with a count of the times its unread body was let go. */
export type FixtureIncomingRequest = IncomingHttpRequest & { readonly resumes: () => number };

export function incomingRequest(request: FixtureRequest): FixtureIncomingRequest {
  const headers = request.headers ?? {};
  const stream = Readable.from(request.chunks ?? []);
  let resumes = 0;
  return Object.assign(stream, {
    method: request.method ?? 'GET',
    headers,
    headersDistinct: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    rawHeaders: Object.entries(headers).flat(),
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1', localPort: 4010 },
    resume: () => {
      resumes++;
      return stream;
    },
    resumes: () => resumes,
  });
}

/** The context of a request to the fixture stack's API, as the server makes it. */
export function requestContext(
  stack: DeployedStack,
  request: FixtureRequest,
): RestRequestContext & { readonly request: FixtureIncomingRequest } {
  const path = request.path.startsWith('//') ? request.path.slice(1) : `/${API_ID}/${STAGE}${request.path}`;
  const incoming = incomingRequest(request);
  return {
    ...restRequestContext(incoming, new URL(`http://localhost${path}`), buildRestApis(stack)),
    request: incoming,
  };
}

/** A request routed to its method, as the route steps pass it on, for the steps after them. */
export function methodRequest(stack: DeployedStack, request: FixtureRequest): MethodRequest {
  const context = requestContext(stack, request);
  const route = context.api && matchRoute(context.api, context.path, context.httpMethod);
  if (!context.api || !route) {
    throw new Error(`the fixture API has no method for ${context.httpMethod} ${context.path}`);
  }
  context.resourcePath = route.resource.path;
  return { context, api: context.api, body: Buffer.concat(request.chunks ?? []), route };
}

type Outcome<T> = StepResult<T> | Promise<StepResult<T>>;

/** The answer a step ended the chain with, its body parsed; fails the test when it passed the request on. */
export async function answerOf(outcome: Outcome<unknown>): Promise<Answer & { readonly json: unknown }> {
  const result = await outcome;
  if (!('answer' in result)) {
    throw new Error('the step passed the request on instead of answering');
  }
  const { body } = result.answer;
  return { ...result.answer, json: JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) };
}

/** What a step passed on; fails the test when it answered. */
export async function passedOn<T>(outcome: Outcome<T>): Promise<T> {
  const result = await outcome;
  if (!('next' in result)) {
    throw new Error(`the step answered ${result.answer.status} instead of passing the request on`);
  }
  return result.next;
}
