import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The vendored apps (each folder has a SOURCE.md naming where it comes from). */
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/cdk-apps');
/** The repository root: its node_modules has aws-cdk-lib, constructs, the CDK CLI, esbuild, tsx. */
const REPOSITORY = path.resolve(import.meta.dirname, '../../../..');

/** A vendored CDK app copied to a folder of its own and installed against the repository's packages. */
export interface InstalledApp {
  readonly directory: string;
  remove(): Promise<void>;
}

/**
 * Copies the fixture app `name` to a temporary folder and leaves there what its `npm install` would: a
 * `node_modules` (a link to the repository's, so that `aws-cdk-lib`, `constructs`, the CDK CLI and what the app's
 * functions import resolve from the repository, at its versions) and a `package-lock.json` in the project folder and
 * in each of `lockFolders` (the folders whose own `npm install` the app runs; `NodejsFunction` looks for the lock
 * file to find the project root it bundles from). A copy, so that synthesis and the local cloud's state write
 * outside the vendored sources.
 */
export async function installApp(name: string, lockFolders: readonly string[] = []): Promise<InstalledApp> {
  const directory = await mkdtemp(path.join(tmpdir(), `cdk-app-${name}-`));
  await cp(path.join(FIXTURES, name), directory, { recursive: true });
  await symlink(path.join(REPOSITORY, 'node_modules'), path.join(directory, 'node_modules'), 'dir');
  for (const folder of ['.', ...lockFolders]) {
    await cp(path.join(REPOSITORY, 'package-lock.json'), path.join(directory, folder, 'package-lock.json'));
  }
  return { directory, remove: () => rm(directory, { recursive: true, force: true }) };
}
