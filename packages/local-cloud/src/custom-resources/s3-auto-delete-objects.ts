import { randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, ListObjectsV2Command, NoSuchBucket, type S3Client } from '@aws-sdk/client-s3';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';
import type { BucketTags } from '../s3/bucket-tags.ts';
import { optionalString, requiredString } from './properties.ts';

/** The tag CDK puts on a bucket with `autoDeleteObjects: true`; the handler empties only a bucket that has it. */
export const AUTO_DELETE_OBJECTS_TAG = 'aws-cdk:auto-delete-objects';

/**
 * `Custom::S3AutoDeleteObjects`, what CDK adds for a bucket's `autoDeleteObjects: true` (its Node.js handler is not
 * run), following that handler: nothing on create; on update the physical id becomes the bucket name (so a
 * replaced bucket's resource is deleted in the cleanup, with the old bucket's name); on delete the bucket is
 * emptied, before CloudFormation deletes it, if it still carries the `aws-cdk:auto-delete-objects` tag (removing
 * `autoDeleteObjects` removes the tag first, so the bucket keeps its objects). A bucket already gone is no error.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3.Bucket.html#autodeleteobjects
 */
export function autoDeleteObjectsProvider(
  client: S3Client,
  tags: BucketTags,
  log: (line: string) => void = () => {},
): ResourceProvider {
  return {
    // The handler answers nothing on create, so the physical id is the request id, a UUID.
    async create(_request: CreateRequest): Promise<CreatedResource> {
      return { physicalId: randomUUID() };
    },
    async update(request: UpdateRequest): Promise<CreatedResource> {
      const where = `Resource ${request.logicalId}`;
      const bucket =
        optionalString(request.properties, 'BucketName', where) ??
        requiredString(request.oldProperties, 'BucketName', where);
      return { physicalId: bucket };
    },
    async delete(request: DeleteRequest): Promise<void> {
      const bucket = requiredString(request.properties, 'BucketName', `Resource ${request.logicalId}`);
      if (tags.of(bucket).get(AUTO_DELETE_OBJECTS_TAG) !== 'true') {
        log(`${bucket}: no '${AUTO_DELETE_OBJECTS_TAG}' tag, its objects are kept`);
        return;
      }
      // The handler first denies new PutObject calls by bucket policy; bucket policies are not evaluated locally.
      try {
        const deleted = await emptyBucket(client, bucket);
        log(`${bucket}: deleted ${deleted} objects before the bucket's deletion`);
      } catch (error) {
        if (error instanceof NoSuchBucket || (error as Error).name === 'NoSuchBucket') {
          return;
        }
        throw error;
      }
    },
  };
}

/**
 * Deletes every object of a bucket, a page of at most 1,000 keys (one DeleteObjects request) at a time; returns how
 * many. fauxqs keeps one version of each object, so listing objects lists every version.
 */
export async function emptyBucket(client: S3Client, bucket: string, prefix?: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (page.Contents ?? []).flatMap((object) =>
      object.Key === undefined ? [] : [{ Key: object.Key }],
    );
    if (keys.length === 0) {
      return deleted;
    }
    const result = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    if (result.Errors?.length) {
      const [first] = result.Errors;
      throw new Error(`Could not delete s3://${bucket}/${first?.Key}: ${first?.Code} ${first?.Message}`);
    }
    deleted += keys.length;
  }
}
