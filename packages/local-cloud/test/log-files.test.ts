import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogFiles } from '../src/log-files.ts';

describe('LogFiles', () => {
  it('writes each source to its own file, and starts empty on the next run', async () => {
    const directory = path.join(await mkdtemp(path.join(tmpdir(), 'logs-')), 'logs');
    const first = await LogFiles.open(directory);
    first.write('Stack-ProcessUpload-ABC', 'START RequestId: 1');
    first.write('Stack-ProcessUpload-ABC', 'REPORT RequestId: 1\tMax Memory Used: 30 MB');
    first.write('kinesis-mock', 'ready');
    first.write('odd/name with spaces', 'kept in the folder');
    await first.close();
    expect((await readdir(directory)).sort()).toEqual([
      'Stack-ProcessUpload-ABC.log',
      'kinesis-mock.log',
      'odd_name_with_spaces.log',
    ]);
    expect(await readFile(path.join(directory, 'Stack-ProcessUpload-ABC.log'), 'utf8')).toBe(
      'START RequestId: 1\nREPORT RequestId: 1\tMax Memory Used: 30 MB\n',
    );

    const second = await LogFiles.open(directory);
    second.write('kinesis-mock', 'ready again');
    await second.close();
    expect(await readdir(directory)).toEqual(['kinesis-mock.log']);
    expect(await readFile(path.join(directory, 'kinesis-mock.log'), 'utf8')).toBe('ready again\n');
  });
});
