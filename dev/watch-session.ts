import { appSourceFiles } from './app-sources.ts';
import { watchFiles } from './file-watcher.ts';
import type { FunctionReloader } from './function-reload.ts';

export interface WatchSessionOptions {
  /** The project root. */
  readonly root: string;
  /** Folders whose edits are watched, relative to the root (the app's and the handlers' sources). */
  readonly folders: readonly string[];
  /** The CDK app's entry file, relative to the root: the files it loads decide when to synthesize again. */
  readonly appEntry: string;
  /** The fast path for handler code. */
  readonly reloader: FunctionReloader;
  /** Synthesizes the app again into the assembly the cloud runs (throws with the synthesis's output on failure). */
  readonly synthesize: () => Promise<void>;
  /** Applies the new assembly to the running cloud and says what changed, in one line. */
  readonly applyAssembly: () => Promise<string>;
  readonly log: (line: string) => void;
}

/**
 * `npm start -- --watch`: on each burst of edits, first swaps the code of the functions whose bundles read a changed
 * file (fast: one incremental bundling pass), then, if a changed file is one the CDK app loads, synthesizes the app
 * and applies the template diff. A step that fails is reported and leaves what runs as it was. Bursts are handled
 * one at a time, in order.
 */
export async function startWatchSession(options: WatchSessionOptions): Promise<{ close(): void }> {
  const { log } = options;
  let appFiles = await appSourceFiles(options.root, options.appEntry);
  const pending = new Set<string>();
  let queue = Promise.resolve();
  let scheduled = false;

  const reloadCode = async (files: readonly string[]): Promise<void> => {
    const entries = options.reloader.affectedEntries(files);
    if (entries.length === 0) {
      return;
    }
    const started = performance.now();
    try {
      const reload = await options.reloader.reload(entries);
      const names = reload.functions.length > 0 ? `: ${reload.functions.join(', ')}` : '';
      log(
        `Reloaded ${reload.functions.length} function(s) in ${elapsed(started)} (rebuilt ${reload.rebuilt.length} bundle(s))${names}`,
      );
    } catch (error) {
      log(`Not reloaded; the previous code keeps serving.\n${messageOf(error)}`);
    }
  };

  const applyTemplate = async (files: readonly string[]): Promise<void> => {
    if (!files.some((file) => appFiles.has(file) || !file.startsWith('lambda/'))) {
      return;
    }
    const started = performance.now();
    log(`Synthesizing again (${files.join(', ')} changed)`);
    try {
      await options.synthesize();
      const summary = await options.applyAssembly();
      appFiles = await appSourceFiles(options.root, options.appEntry);
      log(`Applied in ${elapsed(started)}: ${summary}`);
    } catch (error) {
      log(`Not applied; the resources that ran keep serving.\n${messageOf(error)}`);
    }
  };

  const handle = async (): Promise<void> => {
    scheduled = false;
    const files = [...pending].sort();
    pending.clear();
    await reloadCode(files);
    await applyTemplate(files);
  };

  const watcher = watchFiles({
    root: options.root,
    folders: options.folders,
    onChange: (files) => {
      for (const file of files) {
        pending.add(file);
      }
      if (!scheduled) {
        scheduled = true;
        queue = queue.then(handle);
      }
    },
  });
  log(`Watching ${options.folders.join('/, ')}/ for changes`);
  return { close: () => watcher.close() };
}

function elapsed(started: number): string {
  const ms = performance.now() - started;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
