import { Duration } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, type StreamEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * How every stream consumer here reads its stream (Kinesis or DynamoDB): from the oldest record, 100 records a
 * batch gathered for at most a second, failed records reported by sequence number; a batch that keeps failing is
 * bisected, retried 3 times or for an hour at most, then its description (shard, sequence range) goes to
 * `failures` and the shard moves on.
 */
export function streamConsumerSettings(failures: IQueue): StreamEventSourceProps {
  return {
    startingPosition: StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    maxBatchingWindow: Duration.seconds(1),
    bisectBatchOnError: true,
    retryAttempts: 3,
    maxRecordAge: Duration.hours(1),
    reportBatchItemFailures: true,
    onFailure: new SqsDlq(failures),
  };
}
