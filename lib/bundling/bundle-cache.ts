import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What the cache remembers of one bundle: the key of the options it was built with, and its inputs' hashes. */
interface CachedBundle {
  readonly optionsKey: string;
  /** Every file esbuild read for the bundle (project-relative), with the SHA-256 of its content. */
  readonly inputs: Readonly<Record<string, string>>;
}

interface CacheManifest {
  readonly version: 1;
  readonly bundles: Record<string, CachedBundle>;
}

const MANIFEST_FILE = 'manifest.json';

/** The options key of a bundle whose last build failed: it matches no options, so the bundle is never fresh. */
const FAILED_BUILD = 'failed-build';

/**
 * Bundles kept between builds, keyed by their inputs: a bundle is reused while the options it was built with and
 * the content of every file it was built from are unchanged. Inputs are the files esbuild read (from its
 * metafile), so a new import shows up as a changed importer, and a dependency update as changed package files.
 */
export class BundleCache {
  private readonly manifest: CacheManifest;
  /** Content hashes by absolute path, computed at most once per cache instance (many bundles share inputs). */
  private readonly hashes = new Map<string, string | undefined>();

  private constructor(
    /** The folder holding the bundles (one sub-folder each) and the manifest. */
    readonly directory: string,
    /** Where the inputs' relative paths start (esbuild's working directory). */
    private readonly rootDirectory: string,
    /** A digest of everything besides the inputs that shapes a bundle: options, esbuild version, lock file. */
    private readonly optionsKey: string,
  ) {
    this.manifest = readManifest(path.join(directory, MANIFEST_FILE));
  }

  static open(options: {
    readonly directory: string;
    readonly rootDirectory: string;
    readonly optionsKey: string;
  }): BundleCache {
    return new BundleCache(options.directory, options.rootDirectory, options.optionsKey);
  }

  /** The folder a bundle's files are written to, by its output name (e.g. `lambda/api-payload/get-order`). */
  outputDirectory(name: string): string {
    return path.join(this.directory, name);
  }

  /** Whether the bundle named `name` exists and was built with today's options from today's inputs. */
  isFresh(name: string, outputFiles: readonly string[]): boolean {
    const cached = this.manifest.bundles[name];
    if (!cached || cached.optionsKey !== this.optionsKey) {
      return false;
    }
    if (!outputFiles.every((file) => existsSync(path.join(this.outputDirectory(name), file)))) {
      return false;
    }
    return Object.entries(cached.inputs).every(([input, hash]) => this.hashOf(input) === hash);
  }

  /** Records the inputs a bundle was just built from. */
  record(name: string, inputs: readonly string[]): void {
    const hashed: Record<string, string> = {};
    for (const input of inputs) {
      this.hashes.delete(path.resolve(this.rootDirectory, input));
      const hash = this.hashOf(input);
      if (hash !== undefined) {
        hashed[input] = hash;
      }
    }
    this.manifest.bundles[name] = { optionsKey: this.optionsKey, inputs: hashed };
  }

  /**
   * Marks a bundle stale after a failed build, so that the next build makes it again; its inputs stay known, so
   * that an edit to any of them (the fix) is still seen as reaching it.
   */
  invalidate(name: string): void {
    const cached = this.manifest.bundles[name];
    if (cached) {
      this.manifest.bundles[name] = { ...cached, optionsKey: FAILED_BUILD };
    }
  }

  /** The relative paths of the inputs of the bundles in the cache, by bundle name. */
  inputsOf(name: string): readonly string[] {
    return Object.keys(this.manifest.bundles[name]?.inputs ?? {});
  }

  /** Writes the manifest atomically (a reader never sees half of it). */
  save(): void {
    mkdirSync(this.directory, { recursive: true });
    const file = path.join(this.directory, MANIFEST_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.manifest)}\n`);
    renameSync(temporary, file);
  }

  private hashOf(input: string): string | undefined {
    const file = path.resolve(this.rootDirectory, input);
    if (!this.hashes.has(file)) {
      this.hashes.set(file, contentHash(file));
    }
    return this.hashes.get(file);
  }
}

/** The SHA-256 of a file's content, or undefined when it cannot be read (deleted, say). */
function contentHash(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function readManifest(file: string): CacheManifest {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheManifest>;
    if (parsed.version === 1 && parsed.bundles && typeof parsed.bundles === 'object') {
      return { version: 1, bundles: parsed.bundles };
    }
  } catch {
    // No cache yet, or a damaged one: start empty, every bundle is built.
  }
  return { version: 1, bundles: {} };
}
