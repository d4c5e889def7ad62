import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { StaticSite } from '@serverless-data-sharing/local-cloud';
import { CONSOLE_PATH, consoleSite } from '../dev/console-site.ts';

/** The port `npm run console` serves on unless told otherwise; the origin a deployed stack must allow. */
export const DEFAULT_CONSOLE_PORT = 4020;

/**
 * Serves the console alone, on 127.0.0.1, for a stack deployed elsewhere: the page asks for its API URL and key.
 * The local cloud serves the same page on its API port (`npm start`).
 */
export async function startConsoleServer(
  port: number,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const site = new StaticSite(consoleSite());
  const server = http.createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (site.owns(pathname)) {
      void site.serve(request, response);
    } else {
      request.resume();
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${CONSOLE_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: String(DEFAULT_CONSOLE_PORT) } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number, got ${values.port}`);
  }
  const server = await startConsoleServer(port);
  console.log(`Console: ${server.url}`);
  console.log('Enter the API URL and API key of the stack there. Ctrl-C stops the server.');
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
