import path from 'node:path';
import * as esbuild from 'esbuild';

/**
 * The project's own files that the CDK app loads when it synthesizes (its constructs, and the domain modules they
 * import for request schemas), relative to the root: an edit to one of them changes the template.
 */
export async function appSourceFiles(root: string, appEntry: string): Promise<Set<string>> {
  const result = await esbuild.build({
    entryPoints: [path.join(root, appEntry)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    // Dependencies are not the project's to edit; their changes come with a lock file change.
    packages: 'external',
    logLevel: 'silent',
    outdir: path.join(root, '.cache', 'app-sources'),
  });
  return new Set(Object.keys(result.metafile.inputs));
}
