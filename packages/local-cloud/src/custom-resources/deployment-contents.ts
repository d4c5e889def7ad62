import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { TemplateError } from '../cloudformation/template-error.ts';

/**
 * What `Custom::CDKBucketDeployment` puts in its destination, following CDK's handler (aws-cdk-lib's
 * `custom-resource-handlers/dist/aws-s3-deployment/bucket-deployment-handler/index.py`): each source archive
 * extracted (later sources overwrite earlier files of the same name) with its markers replaced, or copied as the
 * archive itself when `Extract` is false; then `aws s3 sync` semantics for the filters.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3_deployment.BucketDeployment.html
 */

/** Files by their path relative to the destination prefix (`/`-separated). */
export type DeploymentFiles = Map<string, Uint8Array>;

/** One source: its archive (a staged asset folder, or the zip's bytes) and the markers to replace in its files. */
export interface DeploymentSource {
  /** The S3 object key the template names; a copied archive keeps its base name. */
  readonly objectKey: string;
  readonly archive: { readonly folder: string } | { readonly zip: Uint8Array };
  readonly markers: Readonly<Record<string, unknown>>;
  readonly markersConfig: Readonly<Record<string, unknown>>;
}

/** The files the sources make, in order. */
export async function deploymentFiles(
  sources: readonly DeploymentSource[],
  extract: boolean,
): Promise<DeploymentFiles> {
  const files: DeploymentFiles = new Map();
  for (const source of sources) {
    if (!extract) {
      const zip =
        'zip' in source.archive
          ? source.archive.zip
          : zipSync(Object.fromEntries(await folderFiles(source.archive.folder)));
      files.set(path.posix.basename(source.objectKey), zip);
      continue;
    }
    const entries =
      'zip' in source.archive ? zipEntries(source.archive.zip) : await folderFiles(source.archive.folder);
    const replacements = markerReplacements(source.markers, source.markersConfig);
    for (const [name, content] of entries) {
      files.set(name, replaceAll(content, replacements));
    }
  }
  return files;
}

/** The files of a staged asset folder (the zip's contents, as CDK stages it), recursively. */
async function folderFiles(folder: string): Promise<Array<[string, Uint8Array]>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: Array<[string, Uint8Array]> = [];
  for (const entry of entries) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(file)).isFile())) {
      files.push([path.relative(folder, file).split(path.sep).join('/'), await readFile(file)]);
    }
  }
  return files;
}

function zipEntries(zip: Uint8Array): Array<[string, Uint8Array]> {
  // Folders are entries ending in '/', with no content of their own.
  return Object.entries(unzipSync(zip)).filter(([name]) => !name.endsWith('/'));
}

/** Each marker's bytes and what replaces them, encoded as the source's configuration says. */
function markerReplacements(
  markers: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, unknown>>,
): Array<[Buffer, Buffer]> {
  const jsonEscape = String(config.jsonEscape ?? 'false').toLowerCase() === 'true';
  const encodings = (config.markerEncodings ?? {}) as Readonly<Record<string, string>>;
  return Object.entries(markers).map(([marker, value]) => [
    Buffer.from(marker),
    Buffer.from(
      encodeMarkerValue(marker, value, encodings[marker] ?? (jsonEscape ? 'UNQUOTED_JSON_VALUE' : 'LITERAL')),
    ),
  ]);
}

const SAFE_PLAIN_YAML = /^[A-Za-z][A-Za-z0-9._-]*$/;
const YAML_RESERVED = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);

/** A marker's value in one of the handler's encodings. */
export function encodeMarkerValue(marker: string, value: unknown, encoding: string): string {
  switch (encoding) {
    case 'LITERAL':
      if (typeof value !== 'string') {
        throw new TemplateError(`Marker ${marker}: LITERAL encoding needs a string, got ${typeof value}`);
      }
      return value;
    case 'UNQUOTED_JSON_VALUE': {
      const json = pythonJson(value);
      return json.startsWith('"') && json.endsWith('"') ? json.slice(1, -1) : json;
    }
    case 'JSON_VALUE':
      return pythonJson(value);
    case 'YAML_STRING':
      if (typeof value !== 'string') {
        throw new TemplateError(`Marker ${marker}: YAML_STRING encoding needs a string, got ${typeof value}`);
      }
      return SAFE_PLAIN_YAML.test(value) && !YAML_RESERVED.has(value.toLowerCase())
        ? value
        : pythonJson(value);
    default:
      throw new TemplateError(`Marker ${marker}: unknown marker encoding ${encoding}`);
  }
}

/** JSON as Python's `json.dumps` writes it: `, ` and `: ` separators, every non-ASCII character escaped. */
function pythonJson(value: unknown): string {
  const spaced = (v: unknown): string => {
    if (Array.isArray(v)) {
      return `[${v.map(spaced).join(', ')}]`;
    }
    if (v && typeof v === 'object') {
      return `{${Object.entries(v)
        .map(([k, item]) => `${JSON.stringify(k)}: ${spaced(item)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(v) ?? 'null';
  };
  return spaced(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function replaceAll(content: Uint8Array, replacements: ReadonlyArray<[Buffer, Buffer]>): Uint8Array {
  let result = Buffer.from(content);
  for (const [token, replacement] of replacements) {
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = result.indexOf(token, from); at !== -1; at = result.indexOf(token, from)) {
      parts.push(result.subarray(from, at), replacement);
      from = at + token.length;
    }
    if (parts.length > 0) {
      parts.push(result.subarray(from));
      result = Buffer.concat(parts);
    }
  }
  return result;
}

/**
 * Whether `aws s3 sync` includes a path under its `--exclude` then `--include` filters (the order the handler passes
 * them): everything is included, an exclude pattern that matches excludes, an include pattern that matches brings
 * it back. Patterns are shell globs over the whole relative path (`*` crosses `/`).
 * https://docs.aws.amazon.com/cli/latest/reference/s3/#use-of-exclude-and-include-filters
 */
export function includedBySyncFilters(
  relativePath: string,
  exclude: readonly string[],
  include: readonly string[],
): boolean {
  let included = true;
  for (const pattern of exclude) {
    if (globMatches(pattern, relativePath)) {
      included = false;
    }
  }
  for (const pattern of include) {
    if (globMatches(pattern, relativePath)) {
      included = true;
    }
  }
  return included;
}

/** Python's `fnmatch` (which the CLI uses), case-sensitive: `*`, `?`, `[seq]` and `[!seq]`. */
function globMatches(pattern: string, value: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    const close = c === '[' ? pattern.indexOf(']', i + 2) : -1;
    if (c === '*') {
      source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (close !== -1) {
      const set = pattern.slice(i + 1, close);
      source += set.startsWith('!') ? `[^${escapeSet(set.slice(1))}]` : `[${escapeSet(set)}]`;
      i = close;
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function escapeSet(set: string): string {
  return set.replace(/[\\\]^]/g, '\\$&');
}
