import { readBody } from './request-body.ts';
import { matchRoute } from './rest-api-model.ts';
import { passOn, type RestStep, refuse } from './rest-chain.ts';
import type {
  MethodRequest,
  ReadRequest,
  RestRequestContext,
  StagedRequest,
} from './rest-request-context.ts';

// The route steps: API Gateway answers a path it cannot route, whatever the reason (no such API, stage, resource or
// method), with 403 Missing Authentication Token.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html

/** Passes a request to a deployed stage of an existing API on; any other is answered without reading its body. */
export const findStage: RestStep<RestRequestContext, StagedRequest> = (context) => {
  const { api } = context;
  if (!api?.stages.has(context.stage)) {
    context.request.resume();
    return refuse(context, 'MISSING_AUTHENTICATION_TOKEN');
  }
  return passOn({ context, api });
};

/** Reads the body, answering 413 once it passes API Gateway's 10 MB, before the resource is looked for. */
export const readBodyWithinLimit: RestStep<StagedRequest, ReadRequest> = async (request) => {
  const body = await readBody(request.context.request);
  if (body === undefined) {
    return refuse(request.context, 'REQUEST_TOO_LARGE');
  }
  return passOn({ ...request, body });
};

/** Finds the resource and method for the path and the routing method; from here gateway responses name it. */
export const findMethod: RestStep<ReadRequest, MethodRequest> = (request) => {
  const { context } = request;
  const route = matchRoute(request.api, context.path, context.httpMethod);
  if (!route) {
    return refuse(context, 'MISSING_AUTHENTICATION_TOKEN');
  }
  context.resourcePath = route.resource.path;
  return passOn({ ...request, route });
};
