import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../src/emulators/dynamodb-local.ts';
import { freePort } from '../../src/emulators/ports.ts';

/** Starts DynamoDB Local, checks that it answers, and stops it; returns what it printed. */
async function startAnswerStop(cacheDirectory: string, untilPrinted?: RegExp): Promise<string[]> {
  const lines: string[] = [];
  const emulator = await startDynamoDbLocal({
    port: await freePort(),
    cacheDirectory,
    onOutput: (line) => lines.push(line),
  });
  try {
    const response = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListTables',
        Authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    expect(await response.json()).toEqual({ TableNames: [] });
    const deadline = Date.now() + 30_000;
    while (untilPrinted && !lines.some((line) => untilPrinted.test(line)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await emulator.stop();
  }
  return lines;
}

describe('DynamoDB Local with class-data sharing', () => {
  let cacheDirectory: string;
  let folder: () => Promise<string>;

  beforeAll(async () => {
    cacheDirectory = await mkdtemp(path.join(tmpdir(), 'dynamodb-cds-'));
    folder = async () => {
      const [key] = await readdir(path.join(cacheDirectory, 'dynamodb-local'));
      return path.join(cacheDirectory, 'dynamodb-local', key as string);
    };
  });

  afterAll(async () => {
    await rm(cacheDirectory, { recursive: true, force: true });
  });

  it('writes its jar on the first start, its archive on the second, and maps it on the third', async () => {
    const first = await startAnswerStop(cacheDirectory, /for class-data sharing|Could not write/);
    expect(first.some((line) => line.includes('for class-data sharing'))).toBe(true);
    expect(await readdir(await folder())).toEqual(['dynamodb-local-launcher.jar']);

    await startAnswerStop(cacheDirectory);
    expect((await readdir(await folder())).sort()).toEqual(['classes.jsa', 'dynamodb-local-launcher.jar']);

    const third = await startAnswerStop(cacheDirectory);
    expect(third.filter((line) => /shared archive|class-data sharing/.test(line))).toEqual([]);
    expect((await readdir(await folder())).sort()).toEqual(['classes.jsa', 'dynamodb-local-launcher.jar']);
  }, 180_000);

  it('starts without an archive that crashes the JVM, and dumps a whole one again', async () => {
    const archive = path.join(await folder(), 'classes.jsa');
    // A truncated archive crashes Java 17 while mapping it (SIGBUS), before anything answers.
    await truncate(archive, 4096);
    const lines = await startAnswerStop(cacheDirectory);
    expect(lines).toContain('DynamoDB Local exited with its class-data sharing archive; starting it without');
    // Dumped again at the stop of the start without it (tens of MB; the truncated one had 4 KB).
    expect((await stat(archive)).size).toBeGreaterThan(1_000_000);
  }, 180_000);
});
