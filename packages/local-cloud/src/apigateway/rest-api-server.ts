import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildWebSocketApis } from '../apigatewayv2/websocket-api-model.ts';
import type { WebSocketGateway } from '../apigatewayv2/websocket-gateway.ts';
import type { DeployedStack } from '../cloudformation/types.ts';
import { EmulatorError } from '../emulators/emulator-error.ts';
import type { FunctionInvoker } from '../lambda/types.ts';
import type { StaticSite } from '../static-site.ts';
import type { SecretLookup } from './iam-authorization.ts';
import { readBody } from './request-body.ts';
import { failureOf } from './request-failure.ts';
import { requestUrl } from './request-url.ts';
import { RestApiHandler } from './rest-api-handler.ts';
import { buildRestApis } from './rest-api-model.ts';

export interface RestApiServerOptions {
  readonly stack: DeployedStack;
  readonly invoker: FunctionInvoker;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * The secret of each access key that may sign requests to `AWS_IAM` methods.
   * @default no key exists: every signed request is refused
   */
  readonly secretFor?: SecretLookup;
  /** The clock signing times are checked against. @default the system clock */
  readonly now?: () => Date;
  /** WebSocket APIs served on the same port: their handshakes and their `@connections` API. */
  readonly webSockets?: WebSocketGateway;
  /** Static files and documents on paths no API id can take (`/_console/`), and `/`. */
  readonly site?: StaticSite;
  readonly log?: (line: string) => void;
}

export interface RestApiServer {
  readonly port: number;
  /** Base URL of a stage, ending in `/`. */
  urlFor(restApiId: string, stage: string): string;
  /**
   * Serves the APIs of a stack (none for `undefined`) instead of the ones it served: its REST routes, and its
   * WebSocket routes on the gateway. Requests in flight finish on the old routes; throttling and quota counters
   * carry on. Fails, serving the old APIs, when the stack has one the local cloud cannot run.
   */
  reload(stack: DeployedStack | undefined): void;
  close(): Promise<void>;
}

const EXECUTE_API_HOST = /^(https|wss):\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\/.*)?$/;

/**
 * The local URL for an API Gateway invoke URL: `https://{id}.execute-api.{region}.amazonaws.com/{stage}/...`
 * becomes `http://127.0.0.1:{port}/{id}/{stage}/...` (the host's first label moves into the path), and a
 * WebSocket API's `wss://` URL becomes `ws://127.0.0.1:{port}/{id}/{stage}`.
 */
export function localEndpointFor(awsUrl: string, port: number): string | undefined {
  const match = EXECUTE_API_HOST.exec(awsUrl);
  if (!match) {
    return undefined;
  }
  const scheme = match[1] === 'wss' ? 'ws' : 'http';
  return `${scheme}://127.0.0.1:${port}/${match[2]}${match[3] ?? '/'}`;
}

/** Serves a stack's REST APIs on 127.0.0.1, request by request as API Gateway handles them. */
export async function startRestApiServer(options: RestApiServerOptions): Promise<RestApiServer> {
  const { stack, invoker, secretFor, now } = options;
  const handler = new RestApiHandler(buildRestApis(stack), {
    invoker,
    secretFor,
    now,
    region: stack.region,
    accountId: stack.accountId,
    log: options.log,
  });
  const { webSockets, site } = options;
  const log = options.log ?? (() => {});
  const serve = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const url = requestUrl(request.url);
    if (!url) {
      request.resume();
      answerJson(response, 400, { message: 'Bad Request' });
      return;
    }
    if (site?.owns(url.pathname)) {
      await site.serve(request, response);
      return;
    }
    if (webSockets?.owns(url.pathname)) {
      const body = await readBody(request);
      if (body === undefined || !webSockets.manage(request, response, body)) {
        // A WebSocket API's URL answers plain HTTP requests only on its @connections API.
        answerJson(response, body === undefined ? 413 : 426, {
          message: body === undefined ? 'Request too large' : 'Upgrade Required',
        });
      }
      return;
    }
    await handler.handle(request, response, url);
  };
  // The last resort: whatever a request makes fail is logged with its stack and answered 500; the server goes on.
  const server = http.createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log(`${request.method} ${request.url} failed: ${failureOf(error)}`);
      if (!response.headersSent) {
        answerJson(response, 500, { message: 'Internal server error' });
      } else {
        response.destroy();
      }
    });
  });
  // Requests Node.js cannot parse (bad request line, headers over its limit, a bad Content-Length): logged, and
  // answered as a front end does, with the connection closed.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    log(`refused a malformed request: ${error.code ?? ''} ${error.message}`);
    if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage) {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        message: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request',
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });
  server.on('upgrade', (request, socket, head) => {
    // Node.js leaves an upgraded socket without an error listener: a client that resets it would crash the process.
    socket.on('error', (error) => log(`upgrade ${request.url}: ${error.message}`));
    try {
      if (!webSockets?.upgrade(request, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }
    } catch (error) {
      log(`upgrade ${request.url} failed: ${failureOf(error)}`);
      socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmulatorError(
              `Port ${options.port} is in use on 127.0.0.1: stop what listens there or choose another with --port.`,
            )
          : error,
      );
    });
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    urlFor: (restApiId, stage) => `http://127.0.0.1:${port}/${restApiId}/${stage}/`,
    reload: (stack) => {
      const apis = buildRestApis(stack ?? NO_STACK);
      const socketApis = buildWebSocketApis(stack ?? NO_STACK);
      if (socketApis.size > 0 && !webSockets) {
        throw new EmulatorError('WebSocket APIs added after the start need a restart of the local cloud');
      }
      handler.apis = apis;
      webSockets?.reload(socketApis);
    },
    close: async () => {
      await webSockets?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A stack with no resources: what an API server serves once the last API is gone. */
const NO_STACK: DeployedStack = {
  stackName: '',
  region: '',
  accountId: '',
  resources: new Map(),
  outputs: {},
};

/** Writes a JSON answer from the server itself (not from an API). */
function answerJson(response: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}
