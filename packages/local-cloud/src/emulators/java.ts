import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmulatorError } from './emulator-error.ts';

const MINIMUM_JAVA_MAJOR = 17;

const INSTALL_HINT =
  'Install a Java 17+ runtime (Debian/Ubuntu: `sudo apt-get install openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`; ' +
  'or Temurin from adoptium.net), then make sure `java` is on PATH or JAVA_HOME points at it.';

/** The `java` executable to run: `$JAVA_HOME/bin/java` when JAVA_HOME is set, `java` from PATH otherwise. */
export function javaExecutable(environment: NodeJS.ProcessEnv = process.env): string {
  return environment.JAVA_HOME ? path.join(environment.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The major version in `java -version` output (`openjdk version "17.0.15"`, `java version "1.8.0_392"`). */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) {
    return undefined;
  }
  const major = Number(match[1]);
  // Java 8 and older call themselves 1.x.
  return major === 1 ? Number(match[2]) : major;
}

/** A Java runtime that can run DynamoDB Local. */
export interface JavaRuntime {
  readonly executable: string;
  readonly major: number;
  /** What `java -version` printed: tells one build from another, e.g. for class-data sharing archives. */
  readonly versionOutput: string;
}

/** Checks that Java 17+ can run, and fails with what to install when it cannot. */
export async function requireJava(executable = javaExecutable()): Promise<JavaRuntime> {
  let output: string;
  try {
    const result = await promisify(execFile)(executable, ['-version'], { timeout: 15_000 });
    output = `${result.stderr}${result.stdout}`;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'was not found' : 'did not run';
    throw new EmulatorError(`DynamoDB Local needs Java, and \`${executable}\` ${reason}. ${INSTALL_HINT}`, {
      cause: error,
    });
  }
  const major = parseJavaMajorVersion(output);
  if (major === undefined || major < MINIMUM_JAVA_MAJOR) {
    throw new EmulatorError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR} or newer; \`${executable} -version\` says: ${output.split('\n')[0]}. ${INSTALL_HINT}`,
    );
  }
  return { executable, major, versionOutput: output };
}

const checked = new Map<string, Promise<JavaRuntime>>();

/** {@link requireJava}, run once per executable in this process (each run starts a JVM); failures are not kept. */
export function requireJavaOnce(executable = javaExecutable()): Promise<JavaRuntime> {
  let check = checked.get(executable);
  if (!check) {
    check = requireJava(executable);
    checked.set(executable, check);
    check.catch(() => checked.delete(executable));
  }
  return check;
}
