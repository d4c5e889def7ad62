import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocalLaunchOptions,
  dynamoDbLocalLaunch,
} from '../../src/emulators/dynamodb-local-launch.ts';

describe('dynamoDbLocalLaunch', () => {
  let root: string;
  let options: DynamoDbLocalLaunchOptions;
  let cacheDirectory: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dynamodb-launch-'));
    const directory = path.join(root, 'dynamodb_local_2026-05-28');
    await mkdir(path.join(directory, 'DynamoDBLocal_lib'), { recursive: true });
    await writeFile(path.join(directory, 'DynamoDBLocal.jar'), 'jar');
    await writeFile(path.join(directory, 'DynamoDBLocal_lib', 'sqlite4java.jar'), 'lib');
    await writeFile(path.join(root, 'Launcher.java'), 'class Launcher {}');
    cacheDirectory = path.join(root, 'cache');
    options = {
      java: { executable: 'java', major: 17, versionOutput: 'openjdk version "17.0.15" 2025-04-15' },
      directory,
      launcherSource: path.join(root, 'Launcher.java'),
      jvmOptions: ['-XX:TieredStopAtLevel=1'],
      cacheDirectory,
    };
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** The single key folder under the cache, where the jar and the archive live. */
  async function keyFolder(): Promise<string> {
    const [key, ...others] = await readdir(path.join(cacheDirectory, 'dynamodb-local'));
    expect(others).toEqual([]);
    return path.join(cacheDirectory, 'dynamodb-local', key as string);
  }

  /** What the JVM would leave: the file named by an option such as `-XX:ArchiveClassesAtExit=`. */
  async function writeNamedFile(args: readonly string[], option: string): Promise<string> {
    const file = args.find((arg) => arg.startsWith(option))?.slice(option.length) as string;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'written by the JVM');
    return file;
  }

  it('runs the launcher from source, writing nothing, without a cache folder', async () => {
    const launch = await dynamoDbLocalLaunch({ ...options, cacheDirectory: undefined });
    expect(launch.stage).toBe('source');
    expect(launch.javaArgs).toEqual([
      '-XX:TieredStopAtLevel=1',
      '-cp',
      [
        path.join(options.directory, 'DynamoDBLocal.jar'),
        path.join(options.directory, 'DynamoDBLocal_lib', '*'),
      ].join(path.delimiter),
      options.launcherSource,
    ]);
  });

  it('goes from source (writing the jar) to dumping the archive to sharing it', async () => {
    const first = await dynamoDbLocalLaunch(options);
    expect(first.stage).toBe('source');
    const jar = await writeNamedFile(first.javaArgs, '-Dlocalcloud.writeJar=');
    expect(path.dirname(jar)).toBe(await keyFolder());

    const second = await dynamoDbLocalLaunch(options);
    expect(second.stage).toBe('dumping');
    expect(second.javaArgs).toContain('DynamoDbLocalOnLoopback');
    expect(second.javaArgs).toContain(
      `${jar}${path.delimiter}${path.join(options.directory, 'DynamoDBLocal_lib', '*')}`,
    );
    const partial = await writeNamedFile(second.javaArgs, '-XX:ArchiveClassesAtExit=');
    expect(partial).toMatch(/classes\.jsa\.\d+-[0-9a-f]{8}\.partial$/);
    await second.afterExit(0);

    const third = await dynamoDbLocalLaunch(options);
    expect(third.stage).toBe('sharing');
    expect(third.javaArgs).toContain(`-XX:SharedArchiveFile=${path.join(await keyFolder(), 'classes.jsa')}`);
    expect(third.javaArgs[0]).toBe('-XX:TieredStopAtLevel=1');
  });

  it('drops an archive whose JVM was killed while dumping it, and dumps again next time', async () => {
    await writeNamedFile((await dynamoDbLocalLaunch(options)).javaArgs, '-Dlocalcloud.writeJar=');
    const dumping = await dynamoDbLocalLaunch(options);
    await writeNamedFile(dumping.javaArgs, '-XX:ArchiveClassesAtExit=');
    await dumping.afterExit('SIGKILL');
    expect(await readdir(await keyFolder())).toEqual(['dynamodb-local-launcher.jar']);
    expect((await dynamoDbLocalLaunch(options)).stage).toBe('dumping');
  });

  it('goes back to dumping once a sharing launch discards its archive', async () => {
    await writeNamedFile((await dynamoDbLocalLaunch(options)).javaArgs, '-Dlocalcloud.writeJar=');
    const dumping = await dynamoDbLocalLaunch(options);
    await writeNamedFile(dumping.javaArgs, '-XX:ArchiveClassesAtExit=');
    await dumping.afterExit(143);
    const sharing = await dynamoDbLocalLaunch(options);
    expect(sharing.stage).toBe('sharing');
    await sharing.discardArchive();
    expect((await dynamoDbLocalLaunch(options)).stage).toBe('dumping');
  });

  it('starts afresh, and removes what the old Java left, when the Java build changes', async () => {
    await writeNamedFile((await dynamoDbLocalLaunch(options)).javaArgs, '-Dlocalcloud.writeJar=');
    const oldFolder = await keyFolder();
    const otherJava = { ...options, java: { ...options.java, versionOutput: 'openjdk version "17.0.16"' } };
    const launch = await dynamoDbLocalLaunch(otherJava);
    expect(launch.stage).toBe('source');
    expect(await readdir(path.join(cacheDirectory, 'dynamodb-local'))).toEqual([]);
    const jar = await writeNamedFile(launch.javaArgs, '-Dlocalcloud.writeJar=');
    expect(path.dirname(jar)).not.toBe(oldFolder);
  });
});
