/** A response read once: status, headers and the body parsed as JSON when it is JSON. */
export interface BenchResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

/** Calls a stage of the REST API with its API key. */
export class ApiClient {
  /** Requests answered 429 (the usage plan's throttle), retried after a pause. */
  throttled = 0;

  constructor(
    readonly apiUrl: string,
    private readonly apiKey: string,
  ) {}

  async call(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<BenchResponse> {
    for (;;) {
      const response = await fetch(new URL(path, this.apiUrl), {
        method: init.method ?? 'GET',
        headers: {
          'x-api-key': this.apiKey,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await response.text();
      if (response.status === 429) {
        // The bench measures the patterns, not the usage plan: wait for the token bucket and try again.
        this.throttled++;
        await sleep(200);
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, json };
    }
  }

  /** Calls and requires the status, naming the call when it differs. */
  async expect(
    status: number,
    path: string,
    init: Parameters<ApiClient['call']>[1] = {},
  ): Promise<BenchResponse> {
    const response = await this.call(path, init);
    if (response.status !== status) {
      throw new Error(
        `${init.method ?? 'GET'} ${path}: expected ${status}, got ${response.status} ${JSON.stringify(response.json)}`,
      );
    }
    return response;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns a value, or fails after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}
