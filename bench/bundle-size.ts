import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CfnTemplate } from '@serverless-data-sharing/local-cloud';

/** A function's bundle: its code files (`.mjs`, `.js`; source maps excluded), raw and gzipped. */
export interface BundleSize {
  /** The function's logical id without CDK's `Function` + hash suffix, e.g. `ApiPayloadGetOrder`. */
  readonly name: string;
  readonly logicalId: string;
  readonly bundleBytes: number;
  /** Each code file gzipped at zlib's default level, summed: close to what the deployment zip holds. */
  readonly gzipBytes: number;
}

/** The name a function's figures are listed under: its logical id without `Function` and CDK's hash. */
export function functionName(logicalId: string): string {
  return logicalId.replace(/Function[0-9A-F]{8}$/, '');
}

/** The bundle size of every function of `stackName` in a cloud assembly that has its code as an asset folder. */
export async function bundleSizes(assemblyDirectory: string, stackName: string): Promise<BundleSize[]> {
  const template = JSON.parse(
    await readFile(path.join(assemblyDirectory, `${stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
  const sizes: BundleSize[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type === 'AWS::Lambda::Function' && typeof assetPath === 'string') {
      const { bundleBytes, gzipBytes } = await codeSize(path.join(assemblyDirectory, assetPath));
      sizes.push({ name: functionName(logicalId), logicalId, bundleBytes, gzipBytes });
    }
  }
  return sizes;
}

async function codeSize(directory: string): Promise<{ bundleBytes: number; gzipBytes: number }> {
  let bundleBytes = 0;
  let gzipBytes = 0;
  for (const file of await readdir(directory).catch(() => [] as string[])) {
    if (file.endsWith('.mjs') || file.endsWith('.js')) {
      const code = await readFile(path.join(directory, file));
      bundleBytes += code.length;
      gzipBytes += gzipSync(code).length;
    }
  }
  return { bundleBytes, gzipBytes };
}
