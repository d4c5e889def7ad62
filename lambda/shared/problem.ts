import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  AttachmentTooLargeError,
  ConcurrentChangeError,
  FileTooLargeError,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  NotFoundError,
  OrderConflictError,
  OrderNotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ValidationError,
} from '../domain/errors.ts';
import { UnsupportedMediaTypeError, withHeaders } from './http.ts';
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

type ErrorClass = abstract new (...args: never[]) => Error;

/** Each domain error's problem: type name, title, HTTP status. */
const PROBLEMS: ReadonlyArray<readonly [ErrorClass, string, string, number]> = [
  [ValidationError, 'invalid-request', 'Invalid request', 400],
  [AttachmentTooLargeError, 'attachment-too-large', 'Attachment too large', 413],
  [FileTooLargeError, 'file-too-large', 'File too large', 413],
  [UnsupportedMediaTypeError, 'unsupported-media-type', 'Unsupported media type', 415],
  [OrderConflictError, 'order-id-conflict', 'Order id already used', 409],
  [OrderNotFoundError, 'order-not-found', 'Order not found', 404],
  [NotFoundError, 'not-found', 'Not found', 404],
  [PreconditionFailedError, 'precondition-failed', 'Precondition failed', 412],
  [PreconditionRequiredError, 'precondition-required', 'Precondition required', 428],
  [ConcurrentChangeError, 'concurrent-change', 'Changed concurrently', 409],
  [InvalidTransitionError, 'invalid-transition', 'Not allowed in the current state', 409],
  [IdempotencyKeyReusedError, 'idempotency-key-reused', 'Idempotency key reused', 409],
  [IdempotencyKeyInUseError, 'idempotency-key-in-use', 'Request in progress', 409],
];

/** The problem an error stands for: domain errors by type, anything else a 500 that reveals nothing inside. */
export function problemFor(error: unknown): Problem {
  const known = PROBLEMS.find(([errorClass]) => error instanceof errorClass);
  if (known && error instanceof Error) {
    const [, name, title, status] = known;
    return {
      type: `${PROBLEM_TYPE_PREFIX}${name}`,
      title,
      status,
      detail: error.message,
      ...(error instanceof ValidationError ? { errors: error.errors } : {}),
    };
  }
  return {
    type: `${PROBLEM_TYPE_PREFIX}internal-error`,
    title: 'Internal error',
    status: 500,
    detail:
      'The request could not be completed. Retrying is safe for a request that names what it writes or carries an Idempotency-Key.',
  };
}

/** The `application/problem+json` response for an error (RFC 9457); unexpected errors are logged. */
export function problemResponse(error: unknown, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  const problem = { ...problemFor(error), instance: event.requestContext.path ?? event.path };
  if (problem.status >= 500) {
    logger.error('Request failed', { error, requestId: event.requestContext.requestId });
  } else {
    logger.info('Request refused', { status: problem.status, type: problem.type });
  }
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

type ApiHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/**
 * The CORS headers of every answer when the stack lets one browser origin call the API (`ALLOWED_ORIGIN`, which
 * the REST API sets on its functions): behind a Lambda proxy integration the function, not API Gateway, sets
 * them. `ETag` and `Location` are exposed because clients act on them (`If-Match`, status URLs).
 */
export function corsHeaders(allowedOrigin: string | undefined): Readonly<Record<string, string>> {
  return allowedOrigin
    ? {
        'Access-Control-Allow-Origin': allowedOrigin,
        'Access-Control-Expose-Headers': 'ETag, Location, Idempotent-Replayed',
        Vary: 'Origin',
      }
    : {};
}

/**
 * Wraps a REST handler: every error it throws becomes its one problem response (errors are mapped in one place),
 * and every answer carries the CORS headers of the allowed origin, if the stack allows one.
 */
export function answeringProblems(
  handler: ApiHandler,
  allowedOrigin: string | undefined = process.env.ALLOWED_ORIGIN,
): ApiHandler {
  const cors = corsHeaders(allowedOrigin);
  const allowing = Object.keys(cors).length > 0;
  return async (event, context) => {
    let response: APIGatewayProxyResult;
    try {
      response = await handler(event, context);
    } catch (error) {
      response = problemResponse(error, event);
    }
    return allowing ? withHeaders(response, cors) : response;
  };
}
