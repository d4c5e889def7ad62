import http from 'node:http';
import https from 'node:https';

/** A request as it goes on the wire: the path is not normalised or encoded, the body is bytes. */
export interface RawRequest {
  readonly method: string;
  /** Path and query after the stage URL's path. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** What came back. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/**
 * Sends a request byte for byte with node:http, which (unlike fetch) sends any method, paths with `..` and
 * `%2e%2e` as they are, header values fetch refuses, and bodies that are not UTF-8. A server may answer before
 * it has read a huge body and close the connection: the answer counts, the interrupted upload does not.
 */
export async function sendRaw(stageUrl: URL, request: RawRequest, timeoutMs = 60_000): Promise<RawAnswer> {
  try {
    return await sendOnce(stageUrl, request, timeoutMs);
  } catch (error) {
    // A kept-alive connection the server closed just as it was reused: the request never reached it, so it is
    // sent again on a new one (what Node.js's documentation of `request.reusedSocket` advises).
    if ((error as { retryable?: boolean }).retryable) {
      return sendOnce(stageUrl, request, timeoutMs);
    }
    throw error;
  }
}

function sendOnce(stageUrl: URL, request: RawRequest, timeoutMs: number): Promise<RawAnswer> {
  const secure = stageUrl.protocol === 'https:';
  const client = secure ? https : http;
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = client.request(
      {
        protocol: stageUrl.protocol,
        hostname: stageUrl.hostname,
        port: stageUrl.port || (secure ? 443 : 80),
        method: request.method,
        path: `${stageUrl.pathname}${request.path}`,
        headers: { ...request.headers, 'content-length': String(request.body?.length ?? 0) },
        agent: secure ? agents.https : agents.http,
        timeout: timeoutMs,
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`No answer within ${timeoutMs} ms`)));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) {
        const retryable = outgoing.reusedSocket && error.code === 'ECONNRESET';
        reject(Object.assign(error, { retryable }));
      }
    });
    outgoing.end(request.body);
  });
}

/** Closes the kept-alive connections, so a test run ends without waiting for them. */
export function closeConnections(): void {
  agents.http.destroy();
  agents.https.destroy();
}

/**
 * Paces requests to stay under a rate (a token bucket, like API Gateway's) with a bounded number in flight.
 * API Gateway throttles the key's usage plan at 50 requests/s; a 429 is retried, never taken as an answer.
 */
export class Pacer {
  private tokens: number;
  private updatedMs = Date.now();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly concurrency: number,
  ) {
    this.tokens = burst;
  }

  /** Runs `task` once a slot is free; the task takes a token before each request it sends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next();
      } else {
        this.inFlight--;
      }
    }
  }

  /** Waits until the rate allows one more request. */
  async token(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedMs) / 1000) * this.ratePerSecond);
      this.updatedMs = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, ((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}
