import { buildApp } from 'fauxqs';
import type { RunningEmulator } from './child-emulator.ts';

/**
 * Starts fauxqs (SQS, SNS and S3 on one endpoint) inside this process, in memory, on 127.0.0.1: its own
 * `startFauxqs` listens on every interface, so the local cloud builds the app and listens itself.
 * Needs Node.js 22.5+ (node:sqlite).
 */
export async function startFauxqsEmulator(options: {
  readonly port: number;
  readonly region: string;
}): Promise<RunningEmulator> {
  const app = buildApp({ logger: false, host: 'localhost', defaultRegion: options.region });
  const endpoint = await app.listen({ port: options.port, host: '127.0.0.1' });
  let stopped = false;
  return {
    name: 'fauxqs',
    endpoint,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        await app.close();
      }
    },
  };
}
