import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BundleError, FunctionBundler } from '../../../lib/bundling/function-bundler.ts';

let root: string;
let bundler: FunctionBundler;

/** Writes `files` (relative path -> text) under the temporary project root. */
async function writeFiles(files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
}

const entry = (name: string): string => path.join(root, name);

/** Calls the `handler` a bundle exports, from a fresh module instance. */
async function runBundle(directory: string): Promise<unknown> {
  const url = `${pathToFileURL(path.join(directory, 'index.mjs')).href}?v=${Math.random()}`;
  const module = (await import(url)) as { handler: () => unknown };
  return module.handler();
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bundler-'));
  bundler = new FunctionBundler({ rootDirectory: root, cacheDirectory: path.join(root, '.cache') });
  await writeFiles({
    'lambda/domain/greeting.ts': 'export const greeting = (name: string): string => `hello ${name}`;\n',
    'lambda/domain/unused.ts': 'export const unused = 1;\n',
    'lambda/a/handler.ts':
      "import { greeting } from '../domain/greeting.ts';\nexport const handler = () => greeting('a');\n",
    'lambda/b/handler.ts': "export const handler = () => 'b';\n",
  });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FunctionBundler', () => {
  it('bundles every entry in one pass into its own folder: an ESM bundle with its source map', async () => {
    const result = bundler.bundleSync([entry('lambda/a/handler.ts'), entry('lambda/b/handler.ts')]);

    expect(result.built).toEqual([entry('lambda/a/handler.ts'), entry('lambda/b/handler.ts')]);
    expect(result.reused).toEqual([]);
    const folderA = result.directories.get(entry('lambda/a/handler.ts')) as string;
    expect(folderA).toBe(path.join(root, '.cache', 'lambda/a/handler'));
    expect(await runBundle(folderA)).toBe('hello a');
    const map = JSON.parse(await readFile(path.join(folderA, 'index.mjs.map'), 'utf8'));
    expect(map.sources.some((source: string) => source.endsWith('lambda/domain/greeting.ts'))).toBe(true);
  });

  it('reuses a bundle whose inputs did not change, without writing it again (a cache hit)', async () => {
    const entries = [entry('lambda/a/handler.ts'), entry('lambda/b/handler.ts')];
    const first = bundler.bundleSync(entries);
    const written = await stat(path.join(first.directories.get(entries[0] as string) as string, 'index.mjs'));

    // A new bundler instance: the cache lives on disk, as between two `cdk synth` runs.
    const again = new FunctionBundler({ rootDirectory: root, cacheDirectory: path.join(root, '.cache') });
    const second = again.bundleSync(entries);

    expect(second.built).toEqual([]);
    expect(second.reused).toEqual(entries);
    const after = await stat(path.join(second.directories.get(entries[0] as string) as string, 'index.mjs'));
    expect(after.mtimeMs).toBe(written.mtimeMs);
  });

  it('rebuilds only the bundles that read a changed file (a miss on a changed import)', async () => {
    const entries = [entry('lambda/a/handler.ts'), entry('lambda/b/handler.ts')];
    bundler.bundleSync(entries);
    await writeFiles({
      'lambda/domain/greeting.ts': 'export const greeting = (name: string): string => `hi ${name}`;\n',
    });

    const result = bundler.bundleSync(entries);

    expect(result.built).toEqual([entry('lambda/a/handler.ts')]);
    expect(result.reused).toEqual([entry('lambda/b/handler.ts')]);
    expect(await runBundle(result.directories.get(entry('lambda/a/handler.ts')) as string)).toBe('hi a');
  });

  it('follows a new import: once an entry imports a file, a change to that file rebuilds it', async () => {
    const b = entry('lambda/b/handler.ts');
    bundler.bundleSync([b]);
    await writeFiles({
      'lambda/b/handler.ts':
        "import { unused } from '../domain/unused.ts';\nexport const handler = () => `b${unused}`;\n",
    });
    expect(bundler.bundleSync([b]).built).toEqual([b]);
    expect(bundler.bundleSync([b]).built).toEqual([]);

    await writeFiles({ 'lambda/domain/unused.ts': 'export const unused = 2;\n' });
    const result = bundler.bundleSync([b]);

    expect(result.built).toEqual([b]);
    expect(await runBundle(result.directories.get(b) as string)).toBe('b2');
    expect(
      bundler.entriesReading([entry('lambda/domain/unused.ts')], [b, entry('lambda/a/handler.ts')]),
    ).toEqual([b]);
  });

  it('rebuilds every bundle when what shapes all of them changes (the lock file)', async () => {
    const entries = [entry('lambda/a/handler.ts'), entry('lambda/b/handler.ts')];
    bundler.bundleSync(entries);
    await writeFiles({ 'package-lock.json': '{"lockfileVersion":3}\n' });

    expect(bundler.bundleSync(entries).built).toEqual(entries);
  });

  it('reports a compile error with its file and line, keeps the last good bundle, and builds again once fixed', async () => {
    const a = entry('lambda/a/handler.ts');
    const folder = bundler.bundleSync([a]).directories.get(a) as string;
    await writeFiles({ 'lambda/a/handler.ts': 'export const handler = () => {\n  return (;\n};\n' });

    expect(() => bundler.bundleSync([a])).toThrow(BundleError);
    expect(() => bundler.bundleSync([a])).toThrow(/lambda\/a\/handler\.ts:2:\d+: /);
    expect(await runBundle(folder)).toBe('hello a');
    // Watch mode finds what to rebuild by the inputs the cache knows: the fix must still reach the broken entry.
    expect(bundler.entriesReading([a], [a, entry('lambda/b/handler.ts')])).toEqual([a]);
    expect(bundler.entriesReading([entry('lambda/domain/greeting.ts')], [a])).toEqual([a]);

    await writeFiles({ 'lambda/a/handler.ts': "export const handler = () => 'fixed';\n" });
    const result = await bundler.bundle([a]);
    expect(result.built).toEqual([a]);
    expect(await runBundle(folder)).toBe('fixed');
  });

  it('names an entry that does not exist', () => {
    expect(() => bundler.bundleSync([entry('lambda/c/missing.ts')])).toThrow(
      'Function entry lambda/c/missing.ts does not exist',
    );
  });
});
