import path from 'node:path';
import type { StaticMount } from '@serverless-data-sharing/local-cloud';

/** The project root, where `console/` and `bench-results/` are. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** Where the console page is served on the API port (and on `npm run console`'s port). */
export const CONSOLE_PATH = '/_console/';

/**
 * The browser console: `console/` (static HTML, ES modules and CSS, no build step) at {@link CONSOLE_PATH}, the
 * latest benchmark results beside it, and `/` leading to it.
 */
export function consoleSite(root: string = PROJECT_ROOT): {
  readonly mounts: readonly StaticMount[];
  readonly home: string;
} {
  return {
    mounts: [
      { urlPrefix: CONSOLE_PATH, directory: path.join(root, 'console') },
      { urlPrefix: `${CONSOLE_PATH}bench-results/`, directory: path.join(root, 'bench-results') },
    ],
    home: CONSOLE_PATH,
  };
}
