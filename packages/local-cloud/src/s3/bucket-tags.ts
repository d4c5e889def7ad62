import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';

/**
 * The tags of each bucket, as GetBucketTagging would return them. fauxqs keeps no bucket tags, and CDK's custom
 * resources decide by them (`aws-cdk:auto-delete-objects`, `aws-cdk:cr-owned:*`), so the local cloud keeps them.
 */
export class BucketTags {
  private readonly tags = new Map<string, ReadonlyMap<string, string>>();

  set(bucket: string, tags: ReadonlyMap<string, string>): void {
    this.tags.set(bucket, tags);
  }

  delete(bucket: string): void {
    this.tags.delete(bucket);
  }

  /** A bucket's tags; empty for a bucket without any (GetBucketTagging then fails with NoSuchTagSet). */
  of(bucket: string): ReadonlyMap<string, string> {
    return this.tags.get(bucket) ?? new Map();
  }
}

/** The `Tags` of an `AWS::S3::Bucket` (a list of `Key`/`Value`). */
export function templateTags(properties: Readonly<Record<string, unknown>>): Map<string, string> {
  const tags = new Map<string, string>();
  const list = Array.isArray(properties.Tags) ? properties.Tags : [];
  for (const tag of list as ReadonlyArray<{ Key?: unknown; Value?: unknown }>) {
    if (typeof tag?.Key === 'string') {
      tags.set(tag.Key, String(tag.Value ?? ''));
    }
  }
  return tags;
}

/**
 * Gives the buckets a provider creates the template's `Tags`, as CloudFormation tags a bucket it creates or
 * updates; a deleted bucket's tags go with it.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html#cfn-s3-bucket-tags
 */
export function withBucketTags(provider: ResourceProvider, tags: BucketTags): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const created = await provider.create(request);
      tags.set(created.physicalId, templateTags(request.properties));
      return created;
    },
    ...(provider.update
      ? {
          async update(request: UpdateRequest): Promise<CreatedResource> {
            const updated = await (provider.update as NonNullable<ResourceProvider['update']>)(request);
            tags.set(updated.physicalId, templateTags(request.properties));
            return updated;
          },
        }
      : {}),
    async delete(request: DeleteRequest): Promise<void> {
      await provider.delete?.(request);
      tags.delete(request.physicalId);
    },
  };
}
