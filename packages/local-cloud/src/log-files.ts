import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * One file per output source (a function, an emulator, the API server): `{directory}/{source}.log`,
 * the local stand-in for a CloudWatch Logs log group. Files are opened on a source's first line. Like the rest of
 * the local cloud's state, logs last one run: opening the folder empties it.
 */
export class LogFiles {
  private readonly streams = new Map<string, WriteStream>();

  private constructor(readonly directory: string) {}

  static async open(directory: string): Promise<LogFiles> {
    await rm(directory, { recursive: true, force: true });
    await mkdir(directory, { recursive: true });
    return new LogFiles(directory);
  }

  write(source: string, line: string): void {
    let stream = this.streams.get(source);
    if (!stream) {
      // Function and emulator names are letters, digits, '-' and '_'; anything else is replaced to keep one folder.
      stream = createWriteStream(path.join(this.directory, `${source.replace(/[^\w.-]/g, '_')}.log`), {
        flags: 'w',
      });
      this.streams.set(source, stream);
    }
    stream.write(`${line}\n`);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(
      streams.map(async (stream) => {
        stream.end();
        await once(stream, 'close');
      }),
    );
  }
}
