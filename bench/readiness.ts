import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';

/** The stack's endpoints, from the outputs file `npm start` writes. */
export interface ApiEndpoints {
  /** The REST API's stage URL, ending in `/`. */
  readonly url: string;
  readonly key: string;
  readonly webSocketUrl: string;
}

/** The stack whose outputs name the endpoints. */
const STACK_NAME = 'DataSharingStack';

/** The endpoints in an outputs file's content; throws naming what it lacks. */
export function parseApiEndpoints(outputsJson: string): ApiEndpoints {
  const outputs = (JSON.parse(outputsJson) as Record<string, Record<string, unknown> | undefined>)[
    STACK_NAME
  ];
  const field = (name: string): string => {
    const value = outputs?.[name];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`The outputs file has no ${STACK_NAME}.${name}`);
    }
    return value;
  };
  return { url: field('ApiUrl'), key: field('ApiKey'), webSocketUrl: field('WebSocketUrl') };
}

/** The endpoints from `<stateDirectory>/outputs.json`. */
export async function readApiEndpoints(stateDirectory: string): Promise<ApiEndpoints> {
  return parseApiEndpoints(await readFile(path.join(stateDirectory, 'outputs.json'), 'utf8'));
}

/** The problem type the get-order handler answers a missing order with (lambda/shared/problem.ts). */
const ORDER_NOT_FOUND = 'urn:problem:serverless-data-sharing:order-not-found';

/**
 * The `detail` of the problem `GET {route}` answers when the order is missing (the get-order handler's 404);
 * undefined while no such answer comes (the route unknown yet, which is a 404 of another type, or the server not
 * listening).
 */
export async function missingOrderDetail(api: ApiEndpoints, route: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${api.url}${route}`, { headers: { 'x-api-key': api.key } });
    const text = await response.text();
    if (response.status !== 404) {
      return undefined;
    }
    const problem = JSON.parse(text) as { type?: unknown; detail?: unknown };
    return problem.type === ORDER_NOT_FOUND && typeof problem.detail === 'string'
      ? problem.detail
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the REST API runs the get-order handler: a missing order answers its 404. */
export async function restAnswers(api: ApiEndpoints): Promise<true | undefined> {
  return (await missingOrderDetail(api, 'sync/orders/bench-ready')) === undefined ? undefined : true;
}

/**
 * Whether the WebSocket API answers a handshake: accepts it, or refuses it with an HTTP status (401: `$connect` wants
 * a ticket). Undefined when nothing answers within `timeoutMs`.
 */
export function webSocketAnswers(url: string, timeoutMs = 5_000): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const done = (answered: true | undefined): void => {
      socket.removeAllListeners();
      // An 'error' after terminate() has nothing left to report.
      socket.on('error', () => {});
      socket.terminate();
      resolve(answered);
    };
    socket.once('open', () => done(true));
    socket.once('unexpected-response', () => done(true));
    socket.once('error', () => done(undefined));
  });
}
