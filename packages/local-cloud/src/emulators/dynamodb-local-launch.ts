import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JavaRuntime } from './java.ts';

/**
 * How DynamoDB Local's JVM starts, by what earlier starts left in the cache folder:
 * - `source`: the launcher runs from its `.java` source (compiled at every start), and writes the jar that
 *   class-data sharing needs once the server listens;
 * - `dumping`: from that jar, dumping the classes it loaded into an archive when it exits;
 * - `sharing`: from that jar, mapping the archive instead of loading and verifying those classes one by one.
 * https://docs.oracle.com/en/java/javase/17/vm/class-data-sharing.html
 */
export type LaunchStage = 'source' | 'dumping' | 'sharing';

export interface DynamoDbLocalLaunch {
  readonly stage: LaunchStage;
  /** The `java` arguments that come before DynamoDB Local's own: JVM options, class path and main class. */
  readonly javaArgs: readonly string[];
  /** Runs once the JVM is gone, with its exit code or signal: keeps an archive only a clean exit finished. */
  afterExit(status: number | string): Promise<void>;
  /** Deletes the archive this launch maps (it made the JVM fail or was refused), so later starts go without. */
  discardArchive(): Promise<void>;
}

export interface DynamoDbLocalLaunchOptions {
  readonly java: JavaRuntime;
  /** DynamoDB Local's release folder: `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`. */
  readonly directory: string;
  /** `DynamoDbLocalOnLoopback.java`. */
  readonly launcherSource: string;
  /** JVM options every stage passes; an archive is only reused with the same ones. */
  readonly jvmOptions: readonly string[];
  /** Where the jar and the archive are kept between starts. @default none: every start runs from source */
  readonly cacheDirectory?: string;
}

const LAUNCHER_CLASS = 'DynamoDbLocalOnLoopback';
const SHARING_JAR = 'dynamodb-local-launcher.jar';
const ARCHIVE = 'classes.jsa';
/** A `.partial` file this old is left over from a process that died while writing it. */
const ABANDONED_PARTIAL_MS = 60 * 60_000;

/** Chooses how to start DynamoDB Local from the cache folder's contents; see {@link LaunchStage}. */
export async function dynamoDbLocalLaunch(options: DynamoDbLocalLaunchOptions): Promise<DynamoDbLocalLaunch> {
  const libraries = path.join(options.directory, 'DynamoDBLocal_lib', '*');
  const fromSource = (writeJar: string[]): DynamoDbLocalLaunch => ({
    stage: 'source',
    javaArgs: [
      ...options.jvmOptions,
      ...writeJar,
      '-cp',
      [path.join(options.directory, 'DynamoDBLocal.jar'), libraries].join(path.delimiter),
      options.launcherSource,
    ],
    afterExit: async () => {},
    discardArchive: async () => {},
  });
  if (options.cacheDirectory === undefined) {
    return fromSource([]);
  }
  const stages = path.join(options.cacheDirectory, 'dynamodb-local');
  const key = await cacheKey(options);
  const folder = path.join(stages, key);
  const jar = path.join(folder, SHARING_JAR);
  const archive = path.join(folder, ARCHIVE);
  if (!(await exists(jar))) {
    // What other Java builds, releases or launchers left behind will not be used again.
    await removeAllBut(stages, key);
    return fromSource([`-Dlocalcloud.writeJar=${jar}`]);
  }
  await removeAbandonedPartials(folder);
  const classPath = ['-cp', [jar, libraries].join(path.delimiter), LAUNCHER_CLASS];
  if (await exists(archive)) {
    return {
      stage: 'sharing',
      javaArgs: [...options.jvmOptions, `-XX:SharedArchiveFile=${archive}`, ...classPath],
      afterExit: async () => {},
      discardArchive: () => rm(archive, { force: true }),
    };
  }
  // Each process dumps to a name of its own; the archive appears whole, by a rename, or not at all.
  const partial = `${archive}.${process.pid}-${randomUUID().slice(0, 8)}.partial`;
  return {
    stage: 'dumping',
    // The dump warns about every class it cannot archive (old class file versions, ...): noise in the log.
    javaArgs: [...options.jvmOptions, `-XX:ArchiveClassesAtExit=${partial}`, '-Xlog:cds=off', ...classPath],
    afterExit: async (status) => {
      // A number is an exit the JVM chose (System.exit, or SIGTERM's shutdown), after which the dump is whole.
      if (typeof status === 'number') {
        await rename(partial, archive).catch(() => {});
      }
      await rm(partial, { force: true });
    },
    discardArchive: async () => {},
  };
}

/**
 * What an archive depends on: the Java build, the JVM options, DynamoDB Local's jars and the launcher. The JVM
 * checks most of it again when it maps the archive; the key keeps archives of different setups apart.
 */
async function cacheKey(options: DynamoDbLocalLaunchOptions): Promise<string> {
  const jar = await stat(path.join(options.directory, 'DynamoDBLocal.jar'));
  const libraries = await readdir(path.join(options.directory, 'DynamoDBLocal_lib'));
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      options.java.executable,
      options.java.versionOutput,
      options.jvmOptions,
      options.directory,
      jar.size,
      jar.mtimeMs,
      libraries.sort(),
      await readFile(options.launcherSource, 'utf8'),
    ]),
  );
  return hash.digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function removeAllBut(folder: string, kept: string): Promise<void> {
  const entries = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => entry !== kept)
      .map((entry) => rm(path.join(folder, entry), { recursive: true, force: true })),
  );
}

async function removeAbandonedPartials(folder: string): Promise<void> {
  const entries = await readdir(folder).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.endsWith('.partial'))) {
    const file = path.join(folder, entry);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > ABANDONED_PARTIAL_MS) {
      await rm(file, { force: true });
    }
  }
}
