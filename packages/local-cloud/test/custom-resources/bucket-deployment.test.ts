import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CfnOutput, Duration, Fn, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { encodeMarkerValue, includedBySyncFilters } from '../../src/custom-resources/deployment-contents.ts';
import { type SynthesizedApp, synthesize } from './cdk-app.ts';

/** A site folder for `Source.asset`; version 2 drops the stylesheet. */
async function siteFolder(version: 1 | 2): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), `site-v${version}-`));
  await mkdir(path.join(folder, 'css'));
  await writeFile(path.join(folder, 'index.html'), `<h1>v${version}</h1>`);
  await writeFile(path.join(folder, 'notes.md'), 'not deployed');
  if (version === 1) {
    await writeFile(path.join(folder, 'css', 'app.css'), 'h1 { color: red }');
  }
  return folder;
}

/** The bucket, the site deployment (v1, v2, or gone) and a deployment of the archive itself. */
function deployments(stack: Stack, site: string | undefined, raw: string): void {
  const bucket = new s3.Bucket(stack, 'Www', {
    autoDeleteObjects: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
  if (site) {
    const deployment = new s3deploy.BucketDeployment(stack, 'Site', {
      destinationBucket: bucket,
      destinationKeyPrefix: 'site/',
      sources: [
        s3deploy.Source.asset(site),
        s3deploy.Source.jsonData('config.json', { bucket: bucket.bucketName }),
      ],
      exclude: ['*.md'],
      cacheControl: [s3deploy.CacheControl.maxAge(Duration.hours(1))],
      metadata: { Owner: 'web' },
      retainOnDelete: false,
    });
    new CfnOutput(stack, 'SiteKeys', { value: Fn.join(',', deployment.objectKeys) });
  }
  new s3deploy.BucketDeployment(stack, 'Raw', {
    destinationBucket: bucket,
    destinationKeyPrefix: 'raw',
    sources: [s3deploy.Source.asset(raw)],
    extract: false,
  });
}

describe('Custom::CDKBucketDeployment on the local cloud', { timeout: 120_000 }, () => {
  const folders: string[] = [];
  const apps: SynthesizedApp[] = [];
  let cloud: LocalCloud;
  let client: S3Client;
  let bucket: string;
  let raw: string;

  const keys = async (prefix = '') =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key)
      .sort();
  const text = async (key: string) =>
    (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
  const synth = async (site: string | undefined) => {
    const app = await synthesize('Deploy', (stack) => deployments(stack, site, raw));
    apps.push(app);
    return app.directory;
  };

  beforeAll(async () => {
    raw = await mkdtemp(path.join(tmpdir(), 'raw-'));
    await writeFile(path.join(raw, 'hello.txt'), 'hello');
    folders.push(await siteFolder(1), await siteFolder(2), raw);
    const directory = await synth(folders[0]);
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
    client = new S3Client({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
    });
    bucket = cloud.outputs.Deploy?.BucketName as string;
  });

  afterAll(async () => {
    client?.destroy();
    await cloud?.stop();
    await Promise.all(
      [...folders, ...apps.map((app) => app.directory)].map((d) => rm(d, { recursive: true, force: true })),
    );
  });

  it('extracts the sources under the prefix, without the excluded files, markers replaced', async () => {
    expect(await keys('site/')).toEqual(['site/config.json', 'site/css/app.css', 'site/index.html']);
    expect(await text('site/index.html')).toBe('<h1>v1</h1>');
    expect(JSON.parse((await text('site/config.json')) ?? '')).toEqual({ bucket });
    // SourceObjectKeys: the assets' object keys, as the handler answers them.
    expect(cloud.outputs.Deploy?.SiteKeys).toMatch(/^[0-9a-f]{64}\.zip,[0-9a-f]{64}\.zip$/);
  });

  it('sets the system metadata, the user metadata and a content type guessed from the name', async () => {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'site/css/app.css' }));
    expect(head.ContentType).toBe('text/css');
    expect(head.CacheControl).toBe('max-age=3600');
    expect(head.Metadata).toEqual({ owner: 'web' });
  });

  it('copies the archive itself with Extract false, under the prefix taken as a folder', async () => {
    const [key] = await keys('raw');
    expect(key).toMatch(/^raw\/[0-9a-f]{64}\.zip$/);
    const zip = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const entries = unzipSync((await zip.Body?.transformToByteArray()) ?? new Uint8Array());
    expect(new TextDecoder().decode(entries['hello.txt'])).toBe('hello');
  });

  it('prunes what the new sources lack, but not what the filters exclude or other prefixes hold', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'site/README.md', Body: 'kept: excluded' }),
    );
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'site/stale.txt', Body: 'pruned' }));
    const summary = (await cloud.update(await synth(folders[1]))).stacks[0];
    expect(summary?.updated.some((id) => id.startsWith('SiteCustomResource'))).toBe(true);
    expect(await keys('site/')).toEqual(['site/README.md', 'site/config.json', 'site/index.html']);
    expect(await text('site/index.html')).toBe('<h1>v2</h1>');
    expect(await keys('raw/')).toHaveLength(1);
  });

  it('empties the prefix of a deployment removed with retainOnDelete false, and keeps the retained one', async () => {
    const summary = (await cloud.update(await synth(undefined))).stacks[0];
    expect(summary?.cleanupFailures).toEqual([]);
    expect(await keys('site/')).toEqual([]);
    expect(await keys('raw/')).toHaveLength(1);
  });
});

describe('bucket deployment contents', () => {
  it('filters as aws s3 sync does: excludes first, then includes bring files back, * crossing folders', () => {
    const included = (p: string) => includedBySyncFilters(p, ['*'], ['*.html', 'img/?.png']);
    expect(['index.html', 'a/b/c.html', 'img/1.png', 'img/10.png', 'app.js'].filter(included)).toEqual([
      'index.html',
      'a/b/c.html',
      'img/1.png',
    ]);
    expect(includedBySyncFilters('docs/a.md', ['docs/[!x]*'], [])).toBe(false);
    expect(includedBySyncFilters('docs/x.md', ['docs/[!x]*'], [])).toBe(true);
  });

  it('encodes marker values as the handler does, JSON as Python writes it', () => {
    expect(encodeMarkerValue('m', 'a "quoted" é', 'UNQUOTED_JSON_VALUE')).toBe('a \\"quoted\\" \\u00e9');
    expect(encodeMarkerValue('m', { a: [1, 2] }, 'JSON_VALUE')).toBe('{"a": [1, 2]}');
    expect(encodeMarkerValue('m', 'plain-name', 'YAML_STRING')).toBe('plain-name');
    expect(encodeMarkerValue('m', 'yes', 'YAML_STRING')).toBe('"yes"');
    expect(() => encodeMarkerValue('m', 3, 'LITERAL')).toThrow(/LITERAL encoding needs a string/);
  });
});
