import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import mime from 'mime-types';
import { TemplateError } from '../cloudformation/template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';
import type { BucketTags } from '../s3/bucket-tags.ts';
import {
  type DeploymentFiles,
  type DeploymentSource,
  deploymentFiles,
  includedBySyncFilters,
} from './deployment-contents.ts';
import { flag, optionalString, requiredString, stringList } from './properties.ts';
import { emptyBucket } from './s3-auto-delete-objects.ts';

/** The tag CDK puts on a destination bucket a deployment owns (`aws-cdk:cr-owned:{prefix}:{hash}`). */
const OWNER_TAG = 'aws-cdk:cr-owned';

/** The `aws s3` options the handler turns `SystemMetadata` keys into, as PutObject fields. */
const SYSTEM_METADATA: Readonly<Record<string, keyof PutObjectCommandInput>> = {
  'content-type': 'ContentType',
  'cache-control': 'CacheControl',
  'content-disposition': 'ContentDisposition',
  'content-encoding': 'ContentEncoding',
  'content-language': 'ContentLanguage',
  expires: 'Expires',
  'storage-class': 'StorageClass',
  'website-redirect': 'WebsiteRedirectLocation',
  sse: 'ServerSideEncryption',
  'sse-kms-key-id': 'SSEKMSKeyId',
  acl: 'ACL',
};

interface Deployment {
  readonly sourceBuckets: readonly string[];
  readonly sourceKeys: readonly string[];
  readonly markers: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly markersConfig: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly bucket: string;
  /** `DestinationBucketKeyPrefix` as written, `/` read as none. */
  readonly prefix: string;
  readonly extract: boolean;
  readonly retainOnDelete: boolean;
  readonly prune: boolean;
  readonly exclude: readonly string[];
  readonly include: readonly string[];
  readonly userMetadata: Readonly<Record<string, string>>;
  readonly systemMetadata: Readonly<Record<string, string>>;
}

export interface BucketDeploymentOptions {
  /** The local S3, holding the destination buckets (and the source buckets of `Source.bucket`). */
  readonly client: S3Client;
  readonly tags: BucketTags;
  /** Staged asset folders or files by the S3 object key the template names. */
  readonly assetsByObjectKey: ReadonlyMap<string, string>;
  readonly log?: (line: string) => void;
}

/**
 * `Custom::CDKBucketDeployment`, what CDK's `BucketDeployment` writes (its Python handler and the AWS CLI layer are
 * not run). Create and update put the sources' files under `DestinationBucketKeyPrefix` as `aws s3 sync` would
 * (with `Prune`: objects under the prefix the sources lack are deleted; `Exclude`/`Include` filters;
 * `SystemMetadata` such as `content-type`, else a type guessed from the file name, and `UserMetadata`). An update
 * without `RetainOnDelete` that moves the destination first empties the old one; a delete without it empties
 * the prefix, unless a `aws-cdk:cr-owned` tag on the bucket says a deployment owns it. Physical id:
 * `aws.cdk.s3deployment.{uuid}`; attributes `DestinationBucketArn` and `SourceObjectKeys`.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3_deployment.BucketDeployment.html
 */
export function bucketDeploymentProvider(options: BucketDeploymentOptions): ResourceProvider {
  const { client, log = () => {} } = options;
  const deploy = async (request: CreateRequest, physicalId: string): Promise<CreatedResource> => {
    const where = `Resource ${request.logicalId}`;
    const deployment = readDeployment(request.properties, where);
    const sources = await Promise.all(
      deployment.sourceKeys.map((key, index) => readSource(deployment, index, key, options, where)),
    );
    const files = await deploymentFiles(sources, deployment.extract);
    const written = await sync(client, deployment, files);
    log(`${where}: ${written} objects to s3://${deployment.bucket}/${directoryPrefix(deployment.prefix)}`);
    if (optionalString(request.properties, 'DistributionId', where)) {
      log(`${where}: CloudFront is not emulated; no invalidation`);
    }
    const outputKeys = flag(request.properties, 'OutputObjectKeys', true);
    const versionIds = flag(request.properties, 'OutputObjectVersionIds', false);
    return {
      physicalId,
      attributes: {
        DestinationBucketArn: request.properties.DestinationBucketArn,
        SourceObjectKeys: outputKeys ? deployment.sourceKeys : [],
        // fauxqs keeps no versions: the handler answers '' for an object without a VersionId.
        ...(versionIds ? { SourceObjectVersionIds: deployment.sourceKeys.map(() => '') } : {}),
      },
    };
  };
  return {
    create: (request) => deploy(request, `aws.cdk.s3deployment.${randomUUID()}`),
    async update(request: UpdateRequest): Promise<CreatedResource> {
      const where = `Resource ${request.logicalId}`;
      const next = readDeployment(request.properties, where);
      const old = readDeployment(request.oldProperties, where);
      if (!next.retainOnDelete && (old.bucket !== next.bucket || old.prefix !== next.prefix)) {
        await emptyBucket(client, old.bucket, directoryPrefix(old.prefix));
      }
      return deploy(request, request.physicalId);
    },
    async delete(request: DeleteRequest): Promise<void> {
      const deployment = readDeployment(request.properties, `Resource ${request.logicalId}`);
      if (deployment.retainOnDelete) {
        return;
      }
      const ownerTag = deployment.prefix === '' ? OWNER_TAG : `${OWNER_TAG}:${deployment.prefix}`;
      if ([...options.tags.of(deployment.bucket).keys()].some((key) => key.startsWith(ownerTag))) {
        return;
      }
      await emptyBucket(client, deployment.bucket, directoryPrefix(deployment.prefix));
    },
  };
}

function readDeployment(properties: Readonly<Record<string, unknown>>, where: string): Deployment {
  const sourceBuckets = stringList(properties, 'SourceBucketNames', where);
  const sourceKeys = stringList(properties, 'SourceObjectKeys', where);
  if (sourceBuckets.length !== sourceKeys.length) {
    throw new TemplateError(`${where}: SourceBucketNames and SourceObjectKeys differ in length`);
  }
  const markers = (properties.SourceMarkers ?? []) as Deployment['markers'];
  if (markers.length > sourceKeys.length) {
    throw new TemplateError(`${where}: more SourceMarkers (${markers.length}) than SourceObjectKeys`);
  }
  const prefix = optionalString(properties, 'DestinationBucketKeyPrefix', where) ?? '';
  return {
    sourceBuckets,
    sourceKeys,
    markers,
    markersConfig: (properties.SourceMarkersConfig ?? []) as Deployment['markersConfig'],
    bucket: requiredString(properties, 'DestinationBucketName', where),
    prefix: prefix === '/' ? '' : prefix,
    extract: flag(properties, 'Extract', true),
    retainOnDelete: flag(properties, 'RetainOnDelete', true),
    prune: flag(properties, 'Prune', true),
    exclude: stringList(properties, 'Exclude', where),
    include: stringList(properties, 'Include', where),
    userMetadata: (properties.UserMetadata ?? {}) as Deployment['userMetadata'],
    systemMetadata: (properties.SystemMetadata ?? {}) as Deployment['systemMetadata'],
  };
}

/** The destination prefix as `aws s3` treats a folder: with a trailing `/`, or empty for the whole bucket. */
function directoryPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** A source: the staged asset with its object key, else the object in a local bucket (`Source.bucket`). */
async function readSource(
  deployment: Deployment,
  index: number,
  objectKey: string,
  options: BucketDeploymentOptions,
  where: string,
): Promise<DeploymentSource> {
  const markers = {
    markers: deployment.markers[index] ?? {},
    markersConfig: deployment.markersConfig[index] ?? {},
  };
  const staged = options.assetsByObjectKey.get(objectKey);
  if (staged) {
    const archive = (await stat(staged)).isDirectory() ? { folder: staged } : { zip: await readFile(staged) };
    return { objectKey, archive, ...markers };
  }
  const bucket = deployment.sourceBuckets[index] as string;
  try {
    const object = await options.client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
    const zip = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    return { objectKey, archive: { zip }, ...markers };
  } catch (error) {
    throw new TemplateError(
      `${where}: source s3://${bucket}/${objectKey} is neither an asset of this cloud assembly nor an object in a local bucket (${(error as Error).name})`,
    );
  }
}

/** `aws s3 sync` of the files to the destination; returns how many objects were written. */
async function sync(client: S3Client, deployment: Deployment, files: DeploymentFiles): Promise<number> {
  const prefix = directoryPrefix(deployment.prefix);
  const included = (relative: string) =>
    includedBySyncFilters(relative, deployment.exclude, deployment.include);
  const metadata = systemMetadata(deployment.systemMetadata);
  let written = 0;
  for (const [relative, body] of files) {
    if (!included(relative)) {
      continue;
    }
    const contentType = metadata.ContentType ?? (mime.lookup(relative) || undefined);
    await client.send(
      new PutObjectCommand({
        ...metadata,
        Bucket: deployment.bucket,
        Key: `${prefix}${relative}`,
        Body: body,
        ContentType: contentType,
        Metadata: Object.fromEntries(
          Object.entries(deployment.userMetadata).map(([key, value]) => [key.toLowerCase(), value]),
        ),
      }),
    );
    written++;
  }
  if (deployment.prune) {
    await prune(client, deployment.bucket, prefix, (relative) => !files.has(relative) && included(relative));
  }
  return written;
}

/** Deletes the objects under the prefix that `stale` picks (by path relative to the prefix). */
async function prune(
  client: S3Client,
  bucket: string,
  prefix: string,
  stale: (relative: string) => boolean,
): Promise<void> {
  let token: string | undefined;
  const keys: string[] = [];
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined && stale(object.Key.slice(prefix.length))) {
        keys.push(object.Key);
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  // DeleteObjects takes at most 1,000 keys.
  for (let start = 0; start < keys.length; start += 1000) {
    const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch } }));
  }
}

/** `SystemMetadata` (keys in lower case, as the handler makes them) as PutObject fields. */
function systemMetadata(raw: Readonly<Record<string, string>>): Partial<PutObjectCommandInput> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = SYSTEM_METADATA[key.toLowerCase()];
    if (!field) {
      throw new TemplateError(`SystemMetadata ${key} is not an option aws s3 sync takes`);
    }
    fields[field] = field === 'Expires' ? new Date(value) : value;
  }
  return fields as Partial<PutObjectCommandInput>;
}
