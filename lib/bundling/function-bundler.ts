import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { BundleCache } from './bundle-cache.ts';
import { BUNDLE_FILE, FUNCTION_BUNDLE_OPTIONS } from './bundle-options.ts';

/** The project root: where `lambda/`, the lock file and `node_modules/` are. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** Where bundles are kept between builds: in the project (a copy of the project has a cache of its own). */
export const DEFAULT_CACHE_DIRECTORY = path.join(PROJECT_ROOT, '.cache', 'function-bundles');

/** The outcome of a bundling pass. */
export interface BundleResult {
  /** The folder holding `index.mjs` and its source map, by entry file (absolute path). */
  readonly directories: ReadonlyMap<string, string>;
  /** Entries built in this pass (absolute paths). */
  readonly built: readonly string[];
  /** Entries whose cached bundle was still fresh. */
  readonly reused: readonly string[];
}

/** A bundling failure: esbuild's messages, each with the file and line it points at. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

export interface FunctionBundlerOptions {
  /** @default {@link DEFAULT_CACHE_DIRECTORY} */
  readonly cacheDirectory?: string;
  /** @default {@link PROJECT_ROOT} */
  readonly rootDirectory?: string;
}

/**
 * Bundles function handlers, all of them in one esbuild pass (modules shared by several handlers, such as the AWS
 * SDK, are parsed once), and only those whose cached bundle is stale.
 */
export class FunctionBundler {
  private readonly rootDirectory: string;
  private readonly cacheDirectory: string;

  constructor(options: FunctionBundlerOptions = {}) {
    this.rootDirectory = options.rootDirectory ?? PROJECT_ROOT;
    this.cacheDirectory = options.cacheDirectory ?? DEFAULT_CACHE_DIRECTORY;
  }

  /** Bundles `entries` synchronously (CDK constructs and aspects cannot wait). */
  bundleSync(entries: readonly string[]): BundleResult {
    const pass = this.plan(entries);
    if (pass.stale.length > 0) {
      pass.finish(() => esbuild.buildSync(pass.buildOptions()));
    }
    return pass.result();
  }

  /** Bundles `entries` without blocking the event loop (watch mode). */
  async bundle(entries: readonly string[]): Promise<BundleResult> {
    const pass = this.plan(entries);
    if (pass.stale.length > 0) {
      const output = await esbuild.build(pass.buildOptions()).catch((error: unknown) => error);
      pass.finish(() => {
        if (output instanceof Error) {
          throw output;
        }
        return output as esbuild.BuildResult<{ metafile: true }>;
      });
    }
    return pass.result();
  }

  /** The entries (absolute paths) whose last bundle read one of `files`, according to the cache (read once). */
  entriesReading(files: readonly string[], entries: readonly string[]): string[] {
    const cache = this.openCache();
    const changed = new Set(files.map((file) => this.relative(file)));
    return entries.filter((entry) =>
      cache.inputsOf(this.outputName(entry)).some((input) => changed.has(input)),
    );
  }

  private plan(entries: readonly string[]): BundlePass {
    for (const entry of entries) {
      if (!existsSync(entry)) {
        throw new BundleError(`Function entry ${this.relative(entry)} does not exist`);
      }
    }
    const cache = this.openCache();
    const unique = [...new Set(entries)];
    const stale = unique.filter((entry) => !cache.isFresh(this.outputName(entry), OUTPUT_FILES));
    return new BundlePass(this, cache, unique, stale);
  }

  private openCache(): BundleCache {
    return BundleCache.open({
      directory: this.cacheDirectory,
      rootDirectory: this.rootDirectory,
      optionsKey: this.optionsKey(),
    });
  }

  /** A digest of what shapes every bundle besides its inputs: options, esbuild's version, the dependency tree. */
  private optionsKey(): string {
    const hash = createHash('sha256');
    hash.update(JSON.stringify(FUNCTION_BUNDLE_OPTIONS)).update(esbuild.version);
    for (const file of ['package-lock.json', 'tsconfig.json']) {
      const absolute = path.join(this.rootDirectory, file);
      hash.update(file).update(existsSync(absolute) ? readFileSync(absolute) : '');
    }
    return hash.digest('hex');
  }

  /** `lambda/api-payload/get-order.ts` -> `lambda/api-payload/get-order`: the bundle's folder in the cache. */
  outputName(entry: string): string {
    return this.relative(entry).replace(/\.[cm]?[jt]sx?$/, '');
  }

  relative(file: string): string {
    return path
      .relative(this.rootDirectory, path.resolve(this.rootDirectory, file))
      .split(path.sep)
      .join('/');
  }

  get root(): string {
    return this.rootDirectory;
  }
}

/** The files every bundle folder holds. */
const OUTPUT_FILES = [BUNDLE_FILE, `${BUNDLE_FILE}.map`] as const;

/** One bundling pass: which entries are stale, the esbuild options for them, and recording what was built. */
class BundlePass {
  constructor(
    private readonly bundler: FunctionBundler,
    private readonly cache: BundleCache,
    readonly entries: readonly string[],
    readonly stale: readonly string[],
  ) {}

  buildOptions(): esbuild.BuildOptions & { metafile: true } {
    return {
      ...FUNCTION_BUNDLE_OPTIONS,
      absWorkingDir: this.bundler.root,
      entryPoints: this.stale.map((entry) => ({
        in: entry,
        out: `${this.bundler.outputName(entry)}/${path.parse(BUNDLE_FILE).name}`,
      })),
      outdir: this.cache.directory,
      metafile: true,
    };
  }

  /** Runs the build and records each bundle's inputs; on failure, marks the stale bundles failed and explains. */
  finish(build: () => esbuild.BuildResult<{ metafile: true }>): void {
    let output: esbuild.BuildResult<{ metafile: true }>;
    try {
      output = build();
    } catch (error) {
      for (const entry of this.stale) {
        this.cache.invalidate(this.bundler.outputName(entry));
      }
      this.cache.save();
      throw new BundleError(describeBuildFailure(error));
    }
    // Metafile paths are relative to the working directory; the map files have no inputs of their own.
    const outputs = new Map(
      Object.entries(output.metafile.outputs).map(([file, meta]) => [
        path.resolve(this.bundler.root, file),
        meta,
      ]),
    );
    for (const entry of this.stale) {
      const name = this.bundler.outputName(entry);
      const meta = outputs.get(path.join(this.cache.outputDirectory(name), BUNDLE_FILE));
      if (!meta) {
        throw new BundleError(`esbuild wrote no bundle for ${this.bundler.relative(entry)}`);
      }
      if (!meta.entryPoint) {
        throw new BundleError(`esbuild named no entry point for ${this.bundler.relative(entry)}`);
      }
      this.cache.record(name, filesReadFrom(meta.entryPoint, output.metafile.inputs));
    }
    this.cache.save();
  }

  result(): BundleResult {
    const stale = new Set(this.stale);
    return {
      directories: new Map(
        this.entries.map((entry) => [entry, this.cache.outputDirectory(this.bundler.outputName(entry))]),
      ),
      built: this.entries.filter((entry) => stale.has(entry)),
      reused: this.entries.filter((entry) => !stale.has(entry)),
    };
  }
}

/**
 * Every file the bundle of `entryPoint` depends on: the entry and everything it imports, transitively. (An output's
 * own `inputs` list only the files that left bytes in it; a constant inlined by the minifier leaves none.)
 */
function filesReadFrom(entryPoint: string, inputs: esbuild.Metafile['inputs']): string[] {
  const seen = new Set<string>([entryPoint]);
  const pending = [entryPoint];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    for (const imported of inputs[file]?.imports ?? []) {
      if (!imported.external && imported.path in inputs && !seen.has(imported.path)) {
        seen.add(imported.path);
        pending.push(imported.path);
      }
    }
  }
  return [...seen].sort();
}

/** esbuild's errors as `file:line:column: text` lines; any other error as its message. */
function describeBuildFailure(error: unknown): string {
  const failure = error as Partial<esbuild.BuildFailure>;
  if (Array.isArray(failure.errors) && failure.errors.length > 0) {
    const lines = failure.errors.map((message) => {
      const where = message.location
        ? `${message.location.file}:${message.location.line}:${message.location.column}: `
        : '';
      return `  ${where}${message.text}`;
    });
    return `Bundling failed with ${failure.errors.length} error(s):\n${lines.join('\n')}`;
  }
  return `Bundling failed: ${error instanceof Error ? error.message : String(error)}`;
}
