import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** What a copy of the project holds: the sources `npm start` reads, not the tests, the git history or the caches. */
const COPIED = [
  'bin',
  'lib',
  'lambda',
  // Not packages/: the copy's node_modules link resolves the local cloud to this checkout's package.
  'dev',
  'scripts',
  'console',
  'bench-results',
  'examples',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'cdk.json',
];

/** A throwaway copy of the project, to edit without touching the checkout the suite runs from. */
export interface ProjectCopy {
  readonly root: string;
  remove(): Promise<void>;
}

/**
 * Copies the project's sources to a temporary folder, with `node_modules` linked, not copied. `warmFrom` seeds the
 * copy's bundle cache and `cdk.out` from an assembly synthesized from the same sources, as a second `npm start` finds
 * them; the copy's own cache keys decide whether they are reused.
 */
export async function copyProject(warmFrom?: { readonly assemblyDirectory: string }): Promise<ProjectCopy> {
  const root = await mkdtemp(path.join(tmpdir(), 'project-copy-'));
  for (const name of COPIED) {
    await cp(path.join(PROJECT_ROOT, name), path.join(root, name), { recursive: true });
  }
  await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  if (warmFrom) {
    await cp(path.join(PROJECT_ROOT, '.cache'), path.join(root, '.cache'), { recursive: true });
    await cp(warmFrom.assemblyDirectory, path.join(root, 'cdk.out'), { recursive: true });
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
