import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What a synthesis of this app depends on: the app's source folders (which hold the handlers, so the bundles too),
 * the files that pin its dependencies and settings, the context the CDK CLI passes (feature flags, `-c` values,
 * metadata switches), and the environment the app reads. Two syntheses with the same inputs write the same
 * cloud assembly.
 */
export interface SynthesisInputs {
  /** Folders whose every file counts, relative to the project root. */
  readonly folders: readonly string[];
  /** Single files that count when they exist. */
  readonly files: readonly string[];
  /** Environment variables that count. */
  readonly environment: readonly string[];
}

export const APP_SYNTHESIS_INPUTS: SynthesisInputs = {
  folders: ['bin', 'lib', 'lambda'],
  files: ['package.json', 'package-lock.json', 'tsconfig.json', 'cdk.json', 'cdk.context.json'],
  // CDK_CONTEXT_JSON carries cdk.json's context and the CLI's switches; large contexts overflow into a file.
  environment: [
    'CDK_CONTEXT_JSON',
    'CONTEXT_OVERFLOW_LOCATION_ENV',
    'CDK_DEFAULT_ACCOUNT',
    'CDK_DEFAULT_REGION',
  ],
};

/** The file in the cloud assembly that records the inputs' digest of the synthesis that wrote it. */
export const INPUTS_FILE = 'synthesis-inputs.sha256';

/** A digest of every input; any change to a file's content or name, or to a variable, changes it. */
export function inputsDigest(
  projectRoot: string,
  inputs: SynthesisInputs = APP_SYNTHESIS_INPUTS,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  const hash = createHash('sha256');
  hash.update(`node ${process.versions.node}\n`);
  const files = [
    ...inputs.folders.flatMap((folder) => filesUnder(projectRoot, folder)),
    ...inputs.files.filter((file) => existsSync(path.join(projectRoot, file))),
  ];
  for (const file of files) {
    hash
      .update(`file ${file}\n`)
      .update(readFileSync(path.join(projectRoot, file)))
      .update('\n');
  }
  for (const name of inputs.environment) {
    hash.update(`env ${name}=${environment[name] ?? ''}\n`);
  }
  const overflow = environment.CONTEXT_OVERFLOW_LOCATION_ENV;
  if (overflow && existsSync(overflow)) {
    hash.update(readFileSync(overflow));
  }
  return hash.digest('hex');
}

/**
 * Whether `assemblyDirectory` holds a complete assembly written from inputs with this digest: its manifest, the
 * files the manifest names, and the digest recorded after that synthesis finished.
 */
export function assemblyIsCurrent(assemblyDirectory: string, digest: string): boolean {
  try {
    if (readFileSync(path.join(assemblyDirectory, INPUTS_FILE), 'utf8').trim() !== digest) {
      return false;
    }
    const manifest = readJson(assemblyDirectory, 'manifest.json') as {
      artifacts?: Record<string, { type?: string; properties?: { file?: string; templateFile?: string } }>;
    };
    return Object.values(manifest.artifacts ?? {}).every((artifact) => {
      const file = artifact.properties?.templateFile ?? artifact.properties?.file;
      if (file === undefined) {
        return true;
      }
      if (!existsSync(path.join(assemblyDirectory, file))) {
        return false;
      }
      return artifact.type !== 'cdk:asset-manifest' || assetsExist(assemblyDirectory, file);
    });
  } catch {
    // No digest or no manifest: not a current assembly.
    return false;
  }
}

/** Whether every file asset an asset manifest names is staged in the assembly. */
function assetsExist(assemblyDirectory: string, manifestFile: string): boolean {
  const manifest = readJson(assemblyDirectory, manifestFile) as {
    files?: Record<string, { source?: { path?: string } }>;
  };
  return Object.values(manifest.files ?? {}).every(
    (asset) => !asset.source?.path || existsSync(path.join(assemblyDirectory, asset.source.path)),
  );
}

function readJson(directory: string, file: string): unknown {
  return JSON.parse(readFileSync(path.join(directory, file), 'utf8'));
}

/** Records that the assembly in `assemblyDirectory` was written from inputs with this digest. */
export function recordInputs(assemblyDirectory: string, digest: string): void {
  writeFileSync(path.join(assemblyDirectory, INPUTS_FILE), `${digest}\n`);
}

/** Every file under `folder`, relative to `root`, in a stable order. */
function filesUnder(root: string, folder: string): string[] {
  const absolute = path.join(root, folder);
  if (!existsSync(absolute)) {
    return [];
  }
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
