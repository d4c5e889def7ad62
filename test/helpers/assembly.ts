import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Writes a minimal cloud assembly (manifest, one stack's template, asset manifest and asset folders) to a new
 * temporary folder, as `cdk synth` lays one out, and returns the folder.
 */
export async function writeAssembly(
  stackName: string,
  template: object,
  assets: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'assembly-'));
  const files: Record<string, unknown> = {};
  for (const [hash, content] of Object.entries(assets)) {
    await mkdir(path.join(directory, `asset.${hash}`));
    for (const [name, text] of Object.entries(content)) {
      await writeFile(path.join(directory, `asset.${hash}`, name), text);
    }
    files[hash] = {
      source: { path: `asset.${hash}`, packaging: 'zip' },
      destinations: { current: { bucketName: 'cdk-assets', objectKey: `${hash}.zip` } },
    };
  }
  await writeFile(
    path.join(directory, `${stackName}.assets.json`),
    JSON.stringify({ version: '48.0.0', files }),
  );
  await writeFile(path.join(directory, `${stackName}.template.json`), JSON.stringify(template));
  await writeFile(
    path.join(directory, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        [`${stackName}.assets`]: {
          type: 'cdk:asset-manifest',
          properties: { file: `${stackName}.assets.json` },
        },
        [stackName]: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: `${stackName}.template.json` },
          dependencies: [`${stackName}.assets`],
        },
      },
    }),
  );
  return directory;
}
