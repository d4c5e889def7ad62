import type { BadRequest } from './corpus.ts';
import type { RawAnswer } from './raw-client.ts';

/**
 * What is wrong with an answer to a bad request, or undefined: it must be a 4xx (never a 429, never a 5xx), one of
 * the statuses expected, and an RFC 9457 problem whose `status` is the answer's; or, where API Gateway answers
 * with a response it does not let an API customise (413), its own `{"message": ...}`.
 */
export function verdict(request: BadRequest, answer: RawAnswer): string | undefined {
  const contentType = String(answer.headers['content-type'] ?? '');
  const text = answer.body.toString('utf8');
  const seen = `${answer.status} ${contentType} ${text.slice(0, 160)}`;
  if (answer.status < 400 || answer.status > 499 || answer.status === 429) {
    return `not a 4xx: ${seen}`;
  }
  if (!request.expected.includes(answer.status)) {
    return `expected ${request.expected.join(' or ')}: ${seen}`;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `the body is not JSON: ${seen}`;
  }
  if (request.gatewayOwn && contentType.startsWith('application/json') && typeof body.message === 'string') {
    return undefined;
  }
  if (!contentType.startsWith('application/problem+json')) {
    return `not application/problem+json: ${seen}`;
  }
  if (typeof body.type !== 'string' || typeof body.title !== 'string' || body.status !== answer.status) {
    return `not a problem with type, title and status ${answer.status}: ${seen}`;
  }
  return undefined;
}
