import type { LocalS3EventName, ObjectRequestEvent } from './bucket-notifications.ts';

export type { ObjectRequestEvent };

/** The part of a Fastify request the hook reads. */
export interface ObservedRequest {
  readonly method: string;
  readonly ip: string;
  readonly routeOptions: { readonly url?: string };
  readonly params: unknown;
  readonly query: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The part of a Fastify reply the hook reads. */
export interface ObservedReply {
  readonly statusCode: number;
  getHeader(name: string): unknown;
}

/** The part of a Fastify instance the hook is added to (fauxqs's `buildApp()` returns one). */
export interface ObservableApp {
  addHook(
    name: 'onResponse',
    hook: (request: ObservedRequest, reply: ObservedReply) => Promise<void>,
  ): unknown;
}

// Sub-resources of PUT / DELETE on an object that do not create or remove the object itself.
const OBJECT_SUBRESOURCES = ['uploadId', 'partNumber', 'tagging', 'acl', 'retention', 'legal-hold'];

/**
 * Which S3 event a successful request on an object raises, if any: PutObject (presigned or not) ->
 * `ObjectCreated:Put`, CopyObject -> `ObjectCreated:Copy`, CompleteMultipartUpload ->
 * `ObjectCreated:CompleteMultipartUpload`, DeleteObject -> `ObjectRemoved:Delete`. Uploading a part, tagging,
 * ACLs and aborting an upload raise none.
 */
export function objectEventName(
  method: string,
  query: Readonly<Record<string, unknown>>,
  headers: ObservedRequest['headers'],
  statusCode: number,
): LocalS3EventName | undefined {
  if (statusCode < 200 || statusCode > 299) {
    return undefined;
  }
  const has = (name: string): boolean => Object.hasOwn(query, name);
  if (method === 'PUT' && !OBJECT_SUBRESOURCES.some(has)) {
    return headers['x-amz-copy-source'] === undefined ? 'ObjectCreated:Put' : 'ObjectCreated:Copy';
  }
  if (method === 'POST' && has('uploadId')) {
    return 'ObjectCreated:CompleteMultipartUpload';
  }
  if (method === 'DELETE' && !OBJECT_SUBRESOURCES.some(has)) {
    return 'ObjectRemoved:Delete';
  }
  return undefined;
}

/** The access key id a request was signed with (header or presigned query), for the event's principal. */
export function requestAccessKeyId(
  headers: ObservedRequest['headers'],
  query: Readonly<Record<string, unknown>>,
): string {
  const authorization = String(headers.authorization ?? '');
  const credential =
    /Credential=([^/,\s]+)/.exec(authorization)?.[1] ?? String(query['X-Amz-Credential'] ?? '').split('/')[0];
  return credential || 'anonymous';
}

let lastSequence = 0n;

/** A hexadecimal sequencer that grows with every event, as S3's does for events on one key. */
function nextSequencer(now: Date): string {
  const candidate = BigInt(now.getTime()) << 16n;
  lastSequence = candidate > lastSequence ? candidate : lastSequence + 1n;
  return lastSequence.toString(16).toUpperCase().padStart(18, '0');
}

/**
 * Watches every answered request on an S3 endpoint and reports the object events they raised, whoever sent them
 * (a function, a presigned URL, a client on the host). Only object routes (`/{bucket}/{key}`) are looked at.
 */
export function observeObjectEvents(app: ObservableApp, onEvent: (event: ObjectRequestEvent) => void): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url !== '/:bucket/*') {
      return;
    }
    const query = (request.query ?? {}) as Record<string, unknown>;
    const eventName = objectEventName(request.method, query, request.headers, reply.statusCode);
    const params = request.params as { bucket?: string; '*'?: string };
    if (!eventName || !params.bucket || !params['*']) {
      return;
    }
    const time = new Date();
    onEvent({
      eventName,
      bucket: params.bucket,
      key: params['*'],
      requestId: String(reply.getHeader('x-amz-request-id') ?? ''),
      hostId: String(reply.getHeader('x-amz-id-2') ?? ''),
      sourceIp: request.ip,
      principalId: `AWS:${requestAccessKeyId(request.headers, query)}`,
      time,
      sequencer: nextSequencer(time),
    });
  });
}
