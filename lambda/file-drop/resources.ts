import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requireEnv } from '../shared/config.ts';
import { DynamoDbFileStore } from '../shared/dynamodb-file-store.ts';
import { S3FileBucket } from '../shared/s3-file-bucket.ts';
import { s3ClientFromEnvironment } from '../shared/s3-rest-client.ts';

/**
 * The file drop's table and bucket, from the function's environment. Called once at init: a function without
 * `FILES_TABLE_NAME` or `FILES_BUCKET_NAME` fails before its first request, naming the variable.
 */
export function fileDropResources(): {
  files: DynamoDbFileStore;
  bucket: S3FileBucket;
  dynamodb: DynamoDBClient;
} {
  const filesTableName = requireEnv('FILES_TABLE_NAME');
  const bucketName = requireEnv('FILES_BUCKET_NAME');
  const dynamodb = new DynamoDBClient({});
  return {
    dynamodb,
    files: new DynamoDbFileStore(filesTableName, dynamodb),
    bucket: new S3FileBucket(bucketName, s3ClientFromEnvironment()),
  };
}
