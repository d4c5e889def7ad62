import { inject } from 'vitest';

/** A response with its body read once, as text and (when it parses) as JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** Calls the target's REST API with its API key (unless `apiKey: null`); `path` is relative to the stage URL. */
export async function callApi(
  path: string,
  init: {
    method?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    apiKey?: string | null;
  } = {},
): Promise<ApiResponse> {
  const target = inject('target');
  const headers: Record<string, string> = { ...init.headers };
  const apiKey = init.apiKey === undefined ? target.apiKey : init.apiKey;
  if (apiKey !== null) {
    headers['x-api-key'] = apiKey;
  }
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(new URL(path, target.apiUrl), { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A unique id per call, so tests never collide with each other or with earlier runs on a shared target. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
