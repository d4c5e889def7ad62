import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { inject } from 'vitest';
import { type SdkService, sdkClientConfig } from './target.ts';

/** Client settings for the target: the local cloud's emulators, LocalStack, or the default chain on AWS. */
function clientConfig(service: SdkService) {
  const target = inject('target');
  return sdkClientConfig(target.name, service, target.endpoints);
}

/** An SQS client for the target. */
export function sqsClient(): SQSClient {
  return new SQSClient(clientConfig('SQS'));
}

/** An SNS client for the target, for tests that publish as another producer would. */
export function snsClient(): SNSClient {
  return new SNSClient(clientConfig('SNS'));
}

/** A Kinesis client for the target, over HTTP/1.1 (kinesis-mock's plain port does not speak HTTP/2). */
export function kinesisClient(): KinesisClient {
  return new KinesisClient({ ...clientConfig('KINESIS'), requestHandler: new NodeHttpHandler() });
}

/** An S3 client for the target. */
export function s3Client(): S3Client {
  return new S3Client(clientConfig('S3'));
}

/** An S3 client that presigns as the file drop does: no checksum of the (empty) body signed into PUT URLs. */
export function s3Presigner(): S3Client {
  return new S3Client({ ...clientConfig('S3'), requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/** A DynamoDB client for the target, for tests that read or damage a table directly. */
export function dynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient(clientConfig('DYNAMODB'));
}

/** A DynamoDB Streams client for the target (DynamoDB's endpoint), for tests that find a change's sequence number. */
export function dynamoDbStreamsClient(): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient(clientConfig('DYNAMODB'));
}
