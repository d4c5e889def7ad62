import { buildApp } from 'fauxqs';
import { type BucketCorsRules, registerBucketCors } from '../s3/bucket-cors.ts';
import { type ObjectRequestEvent, observeObjectEvents } from '../s3/object-event-hook.ts';
import { registerPresignedRequestCheck } from '../s3/presigned-requests.ts';
import { applyResponseHeaderOverrides } from '../s3/response-header-overrides.ts';
import type { SecretLookup } from '../sigv4/signed-request.ts';
import type { RunningEmulator } from './child-emulator.ts';

/**
 * The largest request body fauxqs takes for S3: a single PutObject up to 1 GiB (S3's own limit is 5 GiB; the
 * emulator holds each body in memory). fauxqs's default, 11 MiB, stays for SQS and SNS, which check their
 * own message sizes.
 */
export const MAX_S3_BODY_BYTES = 1024 * 1_048_576;

export interface FauxqsOptions {
  readonly port: number;
  readonly region: string;
  /** Secret keys by access key id: presigned S3 URLs are checked against them as S3 does. */
  readonly secretFor: SecretLookup;
  /** Each object created or removed, whoever asked: the source of S3 event notifications. */
  readonly onObjectEvent?: (event: ObjectRequestEvent) => void;
  /** Buckets' CORS rules, answered to browsers as S3 does. @default no bucket has CORS */
  readonly cors?: BucketCorsRules;
}

/**
 * Starts fauxqs (SQS, SNS and S3 on one endpoint) inside this process, in memory, on 127.0.0.1: its own
 * `startFauxqs` listens on every interface, so the local cloud builds the app and listens itself. Added on top:
 * bucket CORS, the presigned URL check, GetObject's response header overrides, object events, and S3 bodies up to {@link MAX_S3_BODY_BYTES}.
 * Needs Node.js 22.5+ (node:sqlite).
 */
export async function startFauxqsEmulator(options: FauxqsOptions): Promise<RunningEmulator> {
  const app = buildApp({ logger: false, host: 'localhost', defaultRegion: options.region });
  // fauxqs's catch-all parser hands S3 its raw body; the same parser again, with a larger limit.
  app.removeContentTypeParser('*');
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_S3_BODY_BYTES },
    (_request, body, done) => {
      done(null, body);
    },
  );
  // Preflights first: S3 answers them without checking the presigned URL they carry.
  if (options.cors) {
    registerBucketCors(app, options.cors);
  }
  registerPresignedRequestCheck(app, { secretFor: options.secretFor, region: options.region });
  applyResponseHeaderOverrides(app);
  const { onObjectEvent } = options;
  if (onObjectEvent) {
    observeObjectEvents(app, onObjectEvent);
  }
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
