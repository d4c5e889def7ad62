import type { IncomingHttpHeaders } from 'node:http';

/** A request whose body is still to read: a Node.js `IncomingMessage` is one. */
export interface UnreadBody extends AsyncIterable<unknown> {
  readonly headers: IncomingHttpHeaders;
  /** Lets the rest of the body go unread. */
  resume(): unknown;
}

/** API Gateway's request payload limit: 10 MB. https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html */
export const MAX_REQUEST_BYTES = 10_485_760;

/** The body, or `undefined` once it passes API Gateway's 10 MB limit (the rest is not read). */
export async function readBody(request: UnreadBody): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) {
    request.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      request.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
