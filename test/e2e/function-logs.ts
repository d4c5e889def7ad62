import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { STATE_DIRECTORY } from './global-setup.ts';

// Local cloud only: a test that reads these skips other targets, whose function logs are in CloudWatch Logs.

/** The lines a local cloud function printed, from `.local-cloud/e2e/logs/{functionName}.log`. */
export async function functionLogLines(functionNamePart: string): Promise<string[]> {
  const directory = path.join(STATE_DIRECTORY, 'logs');
  const files = (await readdir(directory)).filter((file) => file.includes(functionNamePart));
  if (files.length !== 1) {
    throw new Error(
      `Expected one log file matching ${functionNamePart} in ${directory}; found ${files.length}`,
    );
  }
  return (await readFile(path.join(directory, files[0] as string), 'utf8')).split('\n');
}

/** Max Memory Used, in MB, of each invocation a local cloud function reported. */
export async function maxMemoryUsedMb(functionNamePart: string): Promise<number[]> {
  return (await functionLogLines(functionNamePart)).flatMap((line) => {
    const match = /^REPORT .*Max Memory Used: (\d+) MB/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

/** The structured (JSON) records a local cloud function logged, in order; the runtime's own lines are left out. */
export async function functionLogRecords(functionNamePart: string): Promise<Array<Record<string, unknown>>> {
  return (await functionLogLines(functionNamePart)).flatMap((line) => {
    const start = line.indexOf('{');
    if (start < 0) {
      return [];
    }
    try {
      const record: unknown = JSON.parse(line.slice(start));
      return record !== null && typeof record === 'object' ? [record as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}
