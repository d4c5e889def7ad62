import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FunctionBundler } from '../lib/bundling/function-bundler.ts';
import { type FunctionBundleRecord, readFunctionBundles } from '../lib/bundling/function-bundles-manifest.ts';

/** What the fast path needs of the running cloud. */
export interface RunningFunctions {
  /** The physical name of a running function, by its stack and logical id; undefined when it does not run. */
  functionName(stackName: string, logicalId: string): string | undefined;
  /** Replaces a function's code, as Lambda's UpdateFunctionCode does: the next invocation runs the new code. */
  updateFunctionCode(functionName: string, codeDirectory: string): Promise<void>;
}

/** What one reload did. */
export interface FunctionReload {
  /** Entries rebuilt (project-relative). */
  readonly rebuilt: readonly string[];
  /** Functions now running new code (physical names). */
  readonly functions: readonly string[];
}

/**
 * The fast path of watch mode, for edits to handler code: rebuilds only the bundles that read a changed file and
 * swaps the code of the functions that run them. Resources, emulators and data are untouched.
 */
export class FunctionReloader {
  private version = 0;

  constructor(
    private readonly options: {
      readonly bundler: FunctionBundler;
      /** The assembly whose `function-bundles.json` says which function runs which entry. */
      readonly assemblyDirectory: string;
      /** Where each swapped-in bundle is copied, so that a later build never rewrites code that runs. */
      readonly codeDirectory: string;
      readonly functions: RunningFunctions;
    },
  ) {}

  /** The entries (project-relative) whose last bundle read one of `files`. */
  affectedEntries(files: readonly string[]): string[] {
    const { bundler } = this.options;
    const entries = this.records().map((record) => path.join(bundler.root, record.entry));
    const unique = [...new Set(entries)];
    return bundler.entriesReading(files, unique).map((entry) => bundler.relative(entry));
  }

  /** Rebuilds `entries` (one esbuild pass; throws BundleError on a compile error) and swaps their functions' code. */
  async reload(entries: readonly string[]): Promise<FunctionReload> {
    const { bundler, functions } = this.options;
    const result = await bundler.bundle(entries.map((entry) => path.join(bundler.root, entry)));
    const records = this.records();
    const swapped: string[] = [];
    for (const entry of result.built) {
      const relative = bundler.relative(entry);
      const code = await this.copyOf(result.directories.get(entry) as string, relative);
      for (const record of records.filter((candidate) => candidate.entry === relative)) {
        const name = functions.functionName(record.stackName, record.logicalId);
        if (name) {
          await functions.updateFunctionCode(name, code);
          swapped.push(name);
        }
      }
    }
    return { rebuilt: result.built.map((entry) => bundler.relative(entry)), functions: swapped };
  }

  private records(): FunctionBundleRecord[] {
    return readFunctionBundles(this.options.assemblyDirectory);
  }

  private async copyOf(bundleDirectory: string, entry: string): Promise<string> {
    this.version += 1;
    const target = path.join(
      this.options.codeDirectory,
      `${entry.replace(/\.[cm]?[jt]sx?$/, '').replaceAll('/', '_')}-${this.version}`,
    );
    await mkdir(target, { recursive: true });
    await cp(bundleDirectory, target, { recursive: true });
    return target;
  }
}
