/**
 * GetObject's response header overrides (`response-content-disposition` and its siblings in the query), which S3
 * honours on signed requests and fauxqs ignores: a presigned download names its file through them.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
export const RESPONSE_HEADER_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** The part of a Fastify instance the hook is added to. */
export interface OverridableApp {
  addHook(
    name: 'onSend',
    hook: (
      request: {
        readonly method: string;
        readonly routeOptions: { readonly url?: string };
        readonly query: unknown;
      },
      reply: { readonly statusCode: number; header(name: string, value: string): unknown },
      payload: unknown,
    ) => Promise<unknown>,
  ): unknown;
}

/** Sets the headers a successful GET or HEAD of an object asks for in its query. */
export function applyResponseHeaderOverrides(app: OverridableApp): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const isObjectRead =
      (request.method === 'GET' || request.method === 'HEAD') && request.routeOptions.url === '/:bucket/*';
    if (isObjectRead && reply.statusCode >= 200 && reply.statusCode < 300) {
      const query = (request.query ?? {}) as Record<string, unknown>;
      for (const [parameter, header] of Object.entries(RESPONSE_HEADER_OVERRIDES)) {
        const value = query[parameter];
        if (typeof value === 'string') {
          reply.header(header, value);
        }
      }
    }
    return payload;
  });
}
