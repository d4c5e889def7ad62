import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  AttachmentTooLargeError,
  OrderConflictError,
  OrderNotFoundError,
  ValidationError,
} from '../domain/errors.ts';
import { UnsupportedMediaTypeError } from './http.ts';
import { logger } from './logger.ts';

const PROBLEM_TYPE_PREFIX = 'urn:problem:serverless-data-sharing:';

/** An RFC 9457 problem details document. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: ReadonlyArray<{ readonly pointer: string; readonly detail: string }>;
}

/** The problem an error stands for: domain errors by type, anything else a 500 that reveals nothing inside. */
export function problemFor(error: unknown): Problem {
  if (error instanceof ValidationError) {
    return {
      type: `${PROBLEM_TYPE_PREFIX}invalid-order`,
      title: 'Invalid request',
      status: 400,
      detail: error.message,
      errors: error.errors,
    };
  }
  if (error instanceof AttachmentTooLargeError) {
    return {
      type: `${PROBLEM_TYPE_PREFIX}attachment-too-large`,
      title: 'Attachment too large',
      status: 413,
      detail: error.message,
    };
  }
  if (error instanceof OrderConflictError) {
    return {
      type: `${PROBLEM_TYPE_PREFIX}order-id-conflict`,
      title: 'Order id already used',
      status: 409,
      detail: error.message,
    };
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return {
      type: `${PROBLEM_TYPE_PREFIX}unsupported-media-type`,
      title: 'Unsupported media type',
      status: 415,
      detail: error.message,
    };
  }
  if (error instanceof OrderNotFoundError) {
    return {
      type: `${PROBLEM_TYPE_PREFIX}order-not-found`,
      title: 'Order not found',
      status: 404,
      detail: error.message,
    };
  }
  return {
    type: `${PROBLEM_TYPE_PREFIX}internal-error`,
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed. It is safe to retry with the same orderId.',
  };
}

/** The `application/problem+json` response for an error (RFC 9457); unexpected errors are logged. */
export function problemResponse(error: unknown, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  const problem = { ...problemFor(error), instance: event.requestContext.path ?? event.path };
  if (problem.status >= 500) {
    logger.error('Request failed', { error: error as Error, requestId: event.requestContext.requestId });
  } else {
    logger.info('Request refused', { status: problem.status, type: problem.type });
  }
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Wraps a handler so every error it throws becomes its one problem response: errors are mapped in one place. */
export function answeringProblems(handler: ApiHandler): ApiHandler {
  return async (event) => {
    try {
      return await handler(event);
    } catch (error) {
      return problemResponse(error, event);
    }
  };
}
