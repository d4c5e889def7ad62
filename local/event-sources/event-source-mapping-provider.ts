import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { TemplateError } from '../cloudformation/template-error.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';
import type { FunctionInvoker } from '../lambda/types.ts';
import { localQueueUrl } from '../sqs/queue-provider.ts';
import { SqsEventSource } from './sqs-event-source.ts';

/** Concurrent batches per SQS mapping without `ScalingConfig`: a laptop-sized stand-in for Lambda's scaling. */
const DEFAULT_SQS_CONCURRENCY = 2;

export interface EventSourceMappingProviderOptions {
  readonly invoker: FunctionInvoker;
  /** fauxqs, when the template has queues. */
  readonly sqs?: { readonly client: SQSClient; readonly endpoint: string };
  /** Called with each started event source, so the local cloud can stop it. */
  readonly onStarted: (source: { stop(): Promise<void> }) => void;
  readonly log?: (line: string) => void;
}

/**
 * Creates `AWS::Lambda::EventSourceMapping` resources: SQS queues for now. Settings are checked as the Lambda API
 * checks them. https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export function eventSourceMappingProvider(options: EventSourceMappingProviderOptions): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const p = request.properties;
      const where = `Resource ${request.logicalId}`;
      const sourceArn = String(p.EventSourceArn ?? '');
      const [, , service, region = request.region, accountId = request.accountId, name = ''] =
        sourceArn.split(':');
      if (service !== 'sqs') {
        throw new TemplateError(
          `${where}: event sources from ${service ?? sourceArn} are not supported by the local cloud yet`,
        );
      }
      if (!options.sqs) {
        throw new TemplateError(`${where}: the queue ${sourceArn} is not on the local cloud`);
      }
      if (p.FilterCriteria !== undefined) {
        throw new TemplateError(`${where}: FilterCriteria is not supported by the local cloud yet`);
      }
      const fifo = name.endsWith('.fifo');
      const batchSize = Number(p.BatchSize ?? 10);
      const window = Number(p.MaximumBatchingWindowInSeconds ?? 0);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > (fifo ? 10 : 10_000)) {
        throw new TemplateError(
          `${where}: BatchSize ${batchSize} is out of range for ${fifo ? 'a FIFO' : 'a standard'} queue`,
        );
      }
      if (!Number.isInteger(window) || window < 0 || window > 300) {
        throw new TemplateError(`${where}: MaximumBatchingWindowInSeconds ${window} is not within 0-300`);
      }
      if (batchSize > 10 && window < 1) {
        throw new TemplateError(
          `${where}: a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1`,
        );
      }
      const functionName = String(p.FunctionName);
      const functionArn = functionName.startsWith('arn:')
        ? functionName
        : `arn:aws:lambda:${request.region}:${request.accountId}:function:${functionName}`;
      const uuid = randomUUID();
      if (p.Enabled !== false && p.Enabled !== 'false') {
        const source = new SqsEventSource(
          {
            queueUrl: localQueueUrl(options.sqs.endpoint, accountId, name),
            queueArn: sourceArn,
            region,
            functionArn,
            batchSize,
            maximumBatchingWindowSeconds: window,
            reportBatchItemFailures: ((p.FunctionResponseTypes ?? []) as string[]).includes(
              'ReportBatchItemFailures',
            ),
            maximumConcurrency: Number(
              (p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ??
                DEFAULT_SQS_CONCURRENCY,
            ),
            fifo,
          },
          options.sqs.client,
          options.invoker,
          options.log,
        );
        source.start();
        options.onStarted(source);
      }
      return {
        physicalId: uuid,
        attributes: {
          Id: uuid,
          EventSourceMappingArn: `arn:aws:lambda:${request.region}:${request.accountId}:event-source-mapping:${uuid}`,
        },
      };
    },
  };
}
