import { describe, expect, it, vi } from 'vitest';
import {
  AttachmentTooLargeError,
  NotFoundError,
  OrderConflictError,
  OrderNotFoundError,
  ValidationError,
} from '../../../lambda/domain/errors.ts';
import { UnsupportedMediaTypeError } from '../../../lambda/shared/http.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import { answeringProblems, problemResponse } from '../../../lambda/shared/problem.ts';
import { restApiEvent } from '../../helpers/events.ts';

const event = restApiEvent({ method: 'POST', path: '/sync/orders' });

function problemOf(error: unknown) {
  const result = problemResponse(error, event);
  return { statusCode: result.statusCode, headers: result.headers, problem: JSON.parse(result.body) };
}

describe('problemResponse (RFC 9457)', () => {
  it.each([
    [
      'ValidationError',
      new ValidationError('The purchase order is invalid.', []),
      400,
      'invalid-request',
      'Invalid request',
    ],
    [
      'AttachmentTooLargeError',
      new AttachmentTooLargeError(1_048_577, 1_048_576),
      413,
      'attachment-too-large',
      'Attachment too large',
    ],
    [
      'UnsupportedMediaTypeError',
      new UnsupportedMediaTypeError('text/plain'),
      415,
      'unsupported-media-type',
      'Unsupported media type',
    ],
    [
      'OrderConflictError',
      new OrderConflictError('order-7'),
      409,
      'order-id-conflict',
      'Order id already used',
    ],
    ['OrderNotFoundError', new OrderNotFoundError('order-7'), 404, 'order-not-found', 'Order not found'],
    [
      'NotFoundError',
      new NotFoundError('No events have been counted for SKU book.'),
      404,
      'not-found',
      'Not found',
    ],
  ])('answers a %s with status %i and its problem type', (_class, error, status, name, title) => {
    const { statusCode, headers, problem } = problemOf(error);
    expect(statusCode).toBe(status);
    expect(headers).toEqual({ 'Content-Type': 'application/problem+json' });
    expect(problem).toEqual({
      type: `urn:problem:serverless-data-sharing:${name}`,
      title,
      status,
      detail: error.message,
      instance: '/prod/sync/orders',
      ...(error instanceof ValidationError ? { errors: [] } : {}),
    });
  });

  it('lists the field errors of a validation error under `errors`', () => {
    const errors = [
      { pointer: '#/lines/0/quantity', detail: 'Too small: expected number to be >=1' },
      { pointer: '#/currency', detail: 'Expected an active ISO 4217 currency code, such as EUR or USD.' },
    ];
    expect(problemOf(new ValidationError('The purchase order is invalid.', errors)).problem.errors).toEqual(
      errors,
    );
  });

  it.each([
    [
      'an SDK error',
      Object.assign(new Error('User: arn:aws:iam::123456789012:role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    ],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'orderId')")],
    ['a thrown string', 'connection reset by peer 10.0.3.7'],
  ])('answers %s with a generic 500 that reveals nothing inside', (_case, error) => {
    const { statusCode, problem } = problemOf(error);
    expect(statusCode).toBe(500);
    expect(problem).toEqual({
      type: 'urn:problem:serverless-data-sharing:internal-error',
      title: 'Internal error',
      status: 500,
      detail:
        'The request could not be completed. Retrying is safe for a request that names what it writes or carries an Idempotency-Key.',
      instance: '/prod/sync/orders',
    });
  });
});

describe('problemResponse logging', () => {
  it('logs an unexpected error in full for the operator, with the request id', () => {
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const error = new Error('ProvisionedThroughputExceededException');
    problemResponse(error, event);
    expect(logged).toHaveBeenCalledWith('Request failed', {
      error,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    });
    logged.mockRestore();
  });
});

describe('answeringProblems', () => {
  it('passes a successful response through unchanged', async () => {
    const response = { statusCode: 204, body: '' };
    expect(await answeringProblems(async () => response)(event)).toBe(response);
  });

  it('turns whatever the handler throws into its problem response', async () => {
    const result = await answeringProblems(async () => {
      throw new OrderNotFoundError('order-7');
    })(event);
    expect(result.statusCode).toBe(404);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
  });

  it('adds the allowed origin’s CORS headers to every answer, errors included, when the stack allows one', async () => {
    const origin = 'http://127.0.0.1:4020';
    const ok = await answeringProblems(
      async () => ({ statusCode: 200, headers: { ETag: '"2"' }, body: '{}' }),
      origin,
    )(event);
    expect(ok.headers).toEqual({
      ETag: '"2"',
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Expose-Headers': 'ETag, Location, Idempotent-Replayed',
      Vary: 'Origin',
    });
    const refused = await answeringProblems(async () => {
      throw new OrderNotFoundError('order-7');
    }, origin)(event);
    expect(refused.statusCode).toBe(404);
    expect(refused.headers?.['Access-Control-Allow-Origin']).toBe(origin);
  });

  it('adds no CORS header when no origin is allowed', async () => {
    const response = await answeringProblems(
      async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' }),
      undefined,
    )(event);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
  });
});
