import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { StreamViewType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { EventType, HttpMethods, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { uploadRequestJsonSchema } from '../../lambda/domain/file-drop.ts';
import { AppFunction } from '../platform/app-function.ts';
import { DataTable, idempotencyTable } from '../platform/data-table.ts';
import { DocumentBucket } from '../platform/document-bucket.ts';
import { acknowledgeLastStopQueue } from '../platform/failure-queue.ts';
import type { PlatformRestApi } from '../platform/rest-api.ts';

export interface FileDropPatternProps {
  /** The REST API the pattern's routes attach to. */
  readonly api: PlatformRestApi;
  /** Where the bucket's access logs go. */
  readonly accessLogs: IBucket;
}

/** The processor's time limit: one 100 MiB file is read once and copied once server-side, in seconds. */
const PROCESSOR_TIMEOUT = Duration.minutes(5);

/**
 * Pattern 4, file drop: `POST /files` answers with a presigned upload straight to S3 (`incoming/`); S3's
 * `ObjectCreated` event invokes a processor that streams the file, checks it is what it claims, hashes it, moves it
 * to `processed/` or `quarantine/` and records the outcome; `GET /files/{fileId}` reports it, with a download link.
 * Events the processor fails on are retried twice by Lambda, then kept in a queue.
 */
export class FileDropPattern extends Construct {
  readonly bucket: IBucket;
  /** File records; its stream (old and new images) tells others when a file's status changes. */
  readonly records: Table;
  /** S3 events the processor failed on after Lambda's retries (Lambda's on-failure destination records). */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: FileDropPatternProps) {
    super(scope, id);
    const records = new DataTable(this, 'FileRecords', {
      partitionKey: 'fileId',
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // Records of uploads that never came expire by themselves.
      timeToLiveAttribute: 'expiresAt',
    });
    this.records = records.table;
    const files = new DocumentBucket(this, 'Files', {
      accessLogs: props.accessLogs,
      lifecycleRules: [
        // Uploads are moved out within seconds; what stays was never processed (see the failures queue).
        {
          prefix: 'incoming/',
          expiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // Rejected files are kept long enough to look into, then deleted.
        { prefix: 'quarantine/', expiration: Duration.days(30) },
      ],
      // Browsers upload with the presigned URLs; multipart clients read each part's ETag.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.POST, HttpMethods.GET, HttpMethods.DELETE],
          allowedOrigins: ['*'],
          allowedHeaders: ['Content-Type', 'If-None-Match'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
    });
    this.bucket = files.bucket;

    this.failures = new Queue(this, 'ProcessorFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeLastStopQueue(
      this.failures,
      'on-failure destination',
      'the processor’s asynchronous invocations',
    );
    new Alarm(this, 'ProcessorFailuresAlarm', {
      alarmDescription:
        'Uploads the processor failed on after every retry: the files stay in incoming/; fix, then re-drive.',
      metric: this.failures.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const createUpload = new AppFunction(this, 'CreateUpload', {
      entry: 'file-drop/create-upload.ts',
      serviceName: 'file-drop',
      description:
        'POST /files: records the announced file and answers with presigned upload URLs to incoming/.',
    })
      .bindTable(records.table, { access: 'readWrite', env: 'FILES_TABLE_NAME' })
      // Issuing an upload with an Idempotency-Key: the first answer, replayed to retries for 24 h.
      .bindTable(idempotencyTable(this, 'CreateUploadIdempotency').table, {
        access: 'idempotency',
        env: 'IDEMPOTENCY_TABLE_NAME',
      })
      // Presigned URLs act with this role's rights: uploads to incoming/ only.
      .bindBucket(files.bucket, { access: 'write', env: 'FILES_BUCKET_NAME', keys: 'incoming/*' })
      .grantObjects(files.bucket, 'incoming/*', ['s3:AbortMultipartUpload']);

    const getFile = new AppFunction(this, 'GetFile', {
      entry: 'file-drop/get-file.ts',
      serviceName: 'file-drop',
      description: 'GET /files/{fileId}: the file status, with a download link once processed.',
    })
      .bindTable(records.table, { access: 'read', env: 'FILES_TABLE_NAME' })
      // Download links reach processed files only, never quarantine.
      .bindBucket(files.bucket, { access: 'read', env: 'FILES_BUCKET_NAME', keys: 'processed/*' });

    const processor = new AppFunction(this, 'ProcessUpload', {
      entry: 'file-drop/process-upload.ts',
      serviceName: 'file-drop',
      description:
        'S3 ObjectCreated on incoming/: streams and checks the file, moves it to processed/ or quarantine/.',
      // Memory stays flat (the file is streamed); the size buys CPU for hashing and checking.
      memorySizeMb: 1024,
      timeout: PROCESSOR_TIMEOUT,
    })
      .bindTable(records.table, { access: 'readWrite', env: 'FILES_TABLE_NAME' })
      .bindBucket(files.bucket, { access: 'read', env: 'FILES_BUCKET_NAME', keys: 'incoming/*' })
      .grantObjects(files.bucket, 'incoming/*', ['s3:DeleteObject'])
      .grantObjects(files.bucket, 'processed/*', ['s3:PutObject'])
      .grantObjects(files.bucket, 'quarantine/*', ['s3:PutObject']);
    // S3 invokes asynchronously: Lambda retries a failed event twice, then records it in the failures queue.
    processor.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.failures),
    });
    files.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(processor.function), {
      prefix: 'incoming/',
    });
    acknowledgeNotificationsHandler(this);

    const uploadModel = props.api.addModel('FileUploadModel', 'FileUploadRequest', uploadRequestJsonSchema);
    props.api.addLambdaRoute('POST', '/files', createUpload.function, { requestModel: uploadModel });
    props.api.addLambdaRoute('GET', '/files/{fileId}', getFile.function);
  }
}

/**
 * CDK configures bucket notifications with a custom resource whose handler (one per stack) is CDK's own code.
 * Its findings are acknowledged here, each with its reason.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.children.find((child) =>
    child.node.id.startsWith('BucketNotificationsHandler'),
  );
  if (!handler) {
    throw new Error('CDK added no BucketNotificationsHandler; the acknowledgements below need revisiting.');
  }
  const validations = Validations.of(handler);
  validations.acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'CDK’s bucket notifications handler runs only while CloudFormation deploys the stack; CDK names its log group at deploy time, so its logs grant (logs:* on "*") cannot name it in advance.',
  });
}
