import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CorsRule,
  type IBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

export interface DocumentBucketProps {
  /** Where S3 server access logs go. */
  readonly accessLogs: IBucket;
  /** Objects are deleted this long after they are written. @default kept */
  readonly expireAfter?: Duration;
  /** Lifecycle rules per prefix, in addition to `expireAfter`. @default none */
  readonly lifecycleRules?: readonly LifecycleRule[];
  /** CORS rules, for browsers using presigned URLs. @default none */
  readonly cors?: readonly CorsRule[];
  /** @default RemovalPolicy.RETAIN: documents outlive `cdk destroy` unless you say otherwise. */
  readonly removalPolicy?: RemovalPolicy;
}

/** A private bucket with the project's defaults: no public access, S3-managed encryption, TLS only, access logs. */
export class DocumentBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: DocumentBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `${id}/`,
      lifecycleRules: [
        ...(props.expireAfter ? [{ expiration: props.expireAfter }] : []),
        ...(props.lifecycleRules ?? []),
      ],
      cors: props.cors ? [...props.cors] : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

/** The bucket that receives the other buckets' S3 server access logs, kept 90 days; ACLs disabled. */
export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // S3's logging service writes through the bucket policy, not the LogDeliveryWrite ACL: one statement per source
    // bucket, bound to that bucket, this account and its prefix. The flag is set here, not in cdk.json, so that
    // every app (tests included) builds this bucket the same way. ACLs stay disabled, as on the other buckets.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
