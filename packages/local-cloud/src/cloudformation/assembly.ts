import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TemplateError } from './template-error.ts';
import type { CfnTemplate } from './types.ts';

/** One stack of a cloud assembly: its template and where its file assets were staged. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Staged asset folders or files by the S3 object key the template names (`<hash>.zip`). */
  readonly assetsByObjectKey: ReadonlyMap<string, string>;
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly file?: string;
  };
  readonly displayName?: string;
  readonly dependencies?: readonly string[];
}

interface AssetManifest {
  readonly files?: Readonly<
    Record<
      string,
      {
        readonly source: { readonly path?: string };
        readonly destinations: Readonly<Record<string, { readonly objectKey: string }>>;
      }
    >
  >;
}

/**
 * Reads a cloud assembly (`cdk.out`): its stacks in dependency order, with their templates and assets.
 * https://docs.aws.amazon.com/cdk/v2/guide/apps.html#apps_cloud_assembly
 */
export async function readAssembly(directory: string): Promise<AssemblyStack[]> {
  const manifest = await readJson<{ artifacts?: Record<string, ManifestArtifact> }>(
    path.join(directory, 'manifest.json'),
  );
  const artifacts = manifest.artifacts ?? {};
  const stackIds = Object.keys(artifacts).filter((id) => artifacts[id]?.type === 'aws:cloudformation:stack');
  const ordered = orderByDependencies(stackIds, (id) => artifacts[id]?.dependencies ?? []);

  const stacks: AssemblyStack[] = [];
  for (const id of ordered) {
    const artifact = artifacts[id] as ManifestArtifact;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) {
      throw new TemplateError(`Cloud assembly artifact ${id} has no template file`);
    }
    const assetsByObjectKey = new Map<string, string>();
    for (const dependency of artifact.dependencies ?? []) {
      const assetArtifact = artifacts[dependency];
      if (assetArtifact?.type !== 'cdk:asset-manifest' || !assetArtifact.properties?.file) {
        continue;
      }
      const assets = await readJson<AssetManifest>(path.join(directory, assetArtifact.properties.file));
      for (const asset of Object.values(assets.files ?? {})) {
        if (!asset.source.path) {
          continue;
        }
        for (const destination of Object.values(asset.destinations)) {
          assetsByObjectKey.set(destination.objectKey, path.resolve(directory, asset.source.path));
        }
      }
    }
    stacks.push({
      stackName: artifact.properties?.stackName ?? artifact.displayName ?? id,
      template: await readJson<CfnTemplate>(path.join(directory, templateFile)),
      assetsByObjectKey,
    });
  }
  return stacks;
}

function orderByDependencies(
  ids: readonly string[],
  dependenciesOf: (id: string) => readonly string[],
): string[] {
  const ordered: string[] = [];
  const visit = (id: string, trail: readonly string[]): void => {
    if (ordered.includes(id)) {
      return;
    }
    if (trail.includes(id)) {
      throw new TemplateError(`Circular dependency between stacks: ${[...trail, id].join(' -> ')}`);
    }
    for (const dependency of dependenciesOf(id)) {
      if (ids.includes(dependency)) {
        visit(dependency, [...trail, id]);
      }
    }
    ordered.push(id);
  };
  for (const id of ids) {
    visit(id, []);
  }
  return ordered;
}

async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateError(`Cannot read ${file}: is this a cloud assembly? Run \`npx cdk synth\` first.`, {
      cause: error,
    });
  }
  return JSON.parse(text) as T;
}
