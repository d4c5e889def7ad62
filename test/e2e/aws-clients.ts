import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/cloud.ts';

/** An SQS client for the target: the local cloud's endpoint and credentials, or the default chain elsewhere. */
export function sqsClient(): SQSClient {
  const target = inject('target');
  if (target.name !== 'local') {
    return new SQSClient({});
  }
  const endpoint = new URL(String(target.outputs.OrderQueueUrl)).origin;
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}
