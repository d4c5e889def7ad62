/**
 * The pure half of `npm run demo`: reading the stack's outputs, naming where data landed, and rendering the
 * table. No network here, so every line the demo prints can be checked with plain values.
 */

/** The stack whose outputs the demo reads. */
export const DEMO_STACK = 'DataSharingStack';

/** Where the demo finds the API: the URL, and the key's value or only its id (a deployed stack's outputs). */
export interface DemoTarget {
  /** Base URL of the REST API, ending in `/`. */
  readonly apiUrl: string;
  readonly apiKey?: string;
  readonly apiKeyId?: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** What to tell someone who has no outputs file yet. */
export function missingOutputsMessage(file: string): string {
  return `No outputs file at ${file}. Run \`npm start\` first (it writes .local-cloud/outputs.json), or pass --outputs <file> written by \`cdk deploy --outputs-file\`.`;
}

/** Reads an outputs file's text (the shape `cdk deploy --outputs-file` writes); throws naming what is missing. */
export function demoTarget(text: string, file: string): DemoTarget {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const stack = (parsed as Record<string, Record<string, string> | undefined> | null)?.[DEMO_STACK];
  if (!stack?.ApiUrl) {
    throw new Error(`${file} has no ${DEMO_STACK}.ApiUrl`);
  }
  if (!stack.ApiKey && !stack.ApiKeyId) {
    throw new Error(`${file} has neither ${DEMO_STACK}.ApiKey nor ${DEMO_STACK}.ApiKeyId`);
  }
  return {
    apiUrl: stack.ApiUrl.endsWith('/') ? stack.ApiUrl : `${stack.ApiUrl}/`,
    ...(stack.ApiKey ? { apiKey: stack.ApiKey } : {}),
    ...(stack.ApiKeyId ? { apiKeyId: stack.ApiKeyId } : {}),
    outputs: stack,
  };
}

/** The ids one run uses: unique per run, so the demo can run again and again against the same stack. */
export interface DemoIds {
  readonly run: string;
  readonly syncOrderId: string;
  readonly queueOrderId: string;
  readonly sku: string;
  readonly sharedOrderId: string;
  readonly publishedOrderId: string;
}

/** Ids for a run started at `now`, with `random` (a few base-36 characters) against collisions within a ms. */
export function demoIds(now: Date, random: string): DemoIds {
  const run = `${now.getTime().toString(36)}-${random}`;
  return {
    run,
    syncOrderId: `demo-sync-${run}`,
    queueOrderId: `demo-queue-${run}`,
    sku: `demo-sku-${run}`,
    sharedOrderId: `demo-shared-${run}`,
    publishedOrderId: `demo-events-${run}`,
  };
}

/**
 * `s3://bucket/key` from a presigned S3 URL: path-style (`http://127.0.0.1:4566/bucket/key`, the local cloud)
 * or virtual-hosted (`https://bucket.s3.eu-west-1.amazonaws.com/key`, AWS). The key is decoded.
 */
export function s3Location(presignedUrl: string): string {
  const url = new URL(presignedUrl);
  const path = url.pathname.slice(1).split('/').map(decodeURIComponent);
  const hosted = url.hostname.match(/^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/);
  if (hosted?.[1]) {
    return `s3://${hosted[1]}/${path.join('/')}`;
  }
  const [bucket, ...key] = path;
  return `s3://${bucket}/${key.join('/')}`;
}

/** The last segment of a queue URL or the resource of an ARN: the name a console shows. */
export function resourceName(urlOrArn: string | undefined): string {
  if (!urlOrArn) {
    return '(not in the outputs)';
  }
  return urlOrArn.split(/[/:]/).filter(Boolean).at(-1) ?? urlOrArn;
}

/** A status pushed over the WebSocket, as the pusher sends it. */
export interface PushedStatus {
  readonly status: string;
  /** Milliseconds from the order's `POST` until the push arrived. */
  readonly afterMs: number;
}

/** The statuses pushed for `orderId` among everything a socket received, in arrival order. */
export function pushedStatuses(
  messages: ReadonlyArray<{ readonly receivedAfterMs: number; readonly message: unknown }>,
  orderId: string,
): PushedStatus[] {
  return messages.flatMap(({ receivedAfterMs, message }) => {
    const m = message as { type?: unknown; orderId?: unknown; status?: unknown } | null;
    return m?.type === 'status' && m.orderId === orderId && typeof m.status === 'string'
      ? [{ status: m.status, afterMs: receivedAfterMs }]
      : [];
  });
}

/** `QUEUED (+35 ms) -> PROCESSING (+140 ms) -> DONE (+910 ms)`. */
export function describePushes(pushes: readonly PushedStatus[]): string {
  return pushes.length === 0
    ? 'nothing pushed'
    : pushes.map(({ status, afterMs }) => `${status} (+${Math.round(afterMs)} ms)`).join(' -> ');
}

/** One row of the demo's table: a pattern and what happened to its order. */
export interface PatternOutcome {
  readonly pattern: string;
  /** What the client got back: status code and the key field, e.g. `202 statusUrl`. */
  readonly response?: string;
  /** Milliseconds from the request until the result could be read, and what that result was. */
  readonly visible?: { readonly afterMs: number; readonly what: string };
  /** Where the data ended up. */
  readonly landedIn?: string;
  /** Why the pattern failed, when it did; the other columns keep what was learned before. */
  readonly error?: string;
}

/** A failure as one line: a timeout names its bound, anything else its message. */
export function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs / 1000} s`;
  }
  if (!(error instanceof Error)) {
    return String(error);
  }
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is in its cause.
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const reason = cause?.code ?? cause?.message;
  return typeof reason === 'string' && !error.message.includes(reason)
    ? `${error.message} (${reason})`
    : error.message;
}

const HEADERS = ['pattern', 'client got', 'visible after', 'where the data ended up'] as const;

function cells(outcome: PatternOutcome): string[] {
  const visible = outcome.visible
    ? `${Math.round(outcome.visible.afterMs)} ms (${outcome.visible.what})`
    : outcome.error
      ? 'FAILED'
      : '-';
  const landed = outcome.error ? `FAILED: ${outcome.error}` : (outcome.landedIn ?? '-');
  return [outcome.pattern, outcome.response ?? '-', visible, landed];
}

/** The outcomes as a Markdown table, padded so it also reads as plain text in a terminal. */
export function renderTable(outcomes: readonly PatternOutcome[]): string {
  const rows = [Array.from(HEADERS), ...outcomes.map(cells)].map((row) =>
    row.map((cell) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ')),
  );
  const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header ?? []), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

/** 1 when any pattern failed, else 0. */
export function exitCode(outcomes: readonly PatternOutcome[]): number {
  return outcomes.some((outcome) => outcome.error !== undefined) ? 1 : 0;
}
