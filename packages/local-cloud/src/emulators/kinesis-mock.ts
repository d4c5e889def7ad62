import { createRequire } from 'node:module';
import path from 'node:path';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type RunningEmulator, startChildEmulator } from './child-emulator.ts';
import { acceptsConnections, freePort } from './ports.ts';

const LOOPBACK_ONLY = path.join(import.meta.dirname, 'loopback-only.mjs');
const EXIT_WITH_PARENT = path.join(import.meta.dirname, 'exit-with-parent.mjs');

/**
 * A Kinesis client for kinesis-mock's plain-HTTP port: the SDK's Kinesis client otherwise speaks HTTP/2,
 * which that port does not.
 */
export function kinesisClient(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): KinesisClient {
  return new KinesisClient({ endpoint, region, credentials, requestHandler: new NodeHttpHandler() });
}

/**
 * Starts kinesis-mock (npm `kinesis-local`, the emulator LocalStack uses) as a child Node.js process, its
 * servers forced onto 127.0.0.1 by a preload (it binds every interface otherwise), and ended at once by a signal or
 * by the local cloud going away (another preload). Streams are in memory.
 */
export async function startKinesisMock(options: {
  readonly port: number;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly onOutput?: (line: string) => void;
  /**
   * Where Node.js keeps the compiled code of kinesis-mock's 9 MB script between starts (`NODE_COMPILE_CACHE`;
   * Node.js checks each entry against the script and its own version). @default none
   * https://nodejs.org/docs/latest-v22.x/api/module.html#module-compile-cache
   */
  readonly cacheDirectory?: string;
}): Promise<RunningEmulator> {
  const packageDirectory = path.dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = kinesisClient(endpoint, options.region, options.credentials);
  try {
    return await startChildEmulator({
      name: 'kinesis-mock',
      command: process.execPath,
      args: ['--import', LOOPBACK_ONLY, '--import', EXIT_WITH_PARENT, path.join(packageDirectory, 'main.js')],
      // It reads its TLS certificate (server.json) from the working directory.
      cwd: packageDirectory,
      env: {
        KINESIS_MOCK_PLAIN_PORT: String(options.port),
        KINESIS_MOCK_TLS_PORT: String(await freePort()),
        AWS_REGION: options.region,
        // Streams become ACTIVE this long after CreateStream, as on AWS (where it takes seconds).
        CREATE_STREAM_DURATION: '100ms',
        LOG_LEVEL: 'WARN',
        ...(options.cacheDirectory
          ? { NODE_COMPILE_CACHE: path.join(options.cacheDirectory, 'node-compile-cache') }
          : {}),
      },
      endpoint,
      // A request through the SDK costs about a millisecond of this process's CPU; until the port is open, a bare
      // connection attempt tells as much for a twentieth of that.
      isReady: async () => {
        if (!(await acceptsConnections(options.port))) {
          return false;
        }
        await client.send(new ListStreamsCommand({}));
        return true;
      },
      onOutput: options.onOutput,
    });
  } finally {
    client.destroy();
  }
}
