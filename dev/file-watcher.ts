import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';

export interface FileWatcherOptions {
  /** The project root; changes are reported relative to it, with `/` separators. */
  readonly root: string;
  /** Folders watched with everything below them, relative to the root. */
  readonly folders: readonly string[];
  /** How long the tree must stay quiet before a batch of changes is reported (editors write in bursts). */
  readonly quietMs?: number;
  /** Called with the files changed in one burst, each once. */
  readonly onChange: (files: readonly string[]) => void;
}

/** Editor droppings that are not source: swap files, backups, lock files. */
const IGNORED = /(^|\/)(\.#[^/]*|[^/]*~|[^/]*\.sw[a-p]|[^/]*\.tmp|4913)$/;

/** Watches source folders and reports bursts of changed files. `close()` stops it. */
export function watchFiles(options: FileWatcherOptions): { close(): void } {
  const quietMs = options.quietMs ?? 80;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const files = [...pending].sort();
    pending.clear();
    options.onChange(files);
  };
  const watchers: FSWatcher[] = options.folders.map((folder) =>
    watch(path.join(options.root, folder), { recursive: true }, (_event, name) => {
      if (!name) {
        return;
      }
      const file = path.posix.join(folder, name.split(path.sep).join('/'));
      if (IGNORED.test(file)) {
        return;
      }
      pending.add(file);
      clearTimeout(timer);
      timer = setTimeout(flush, quietMs);
    }),
  );
  return {
    close: () => {
      clearTimeout(timer);
      for (const watcher of watchers) {
        watcher.close();
      }
    },
  };
}
