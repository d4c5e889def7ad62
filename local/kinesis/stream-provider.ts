import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { generatedName } from '../cloudformation/physical-ids.ts';
import type { CreatedResource, CreateRequest, ResourceProvider } from '../cloudformation/types.ts';

/** Shards of an on-demand stream when created: AWS starts on-demand streams at 4 shards. */
const ON_DEMAND_INITIAL_SHARDS = 4;
const ACTIVE_TIMEOUT_MS = 30_000;

/**
 * Creates `AWS::Kinesis::Stream` on kinesis-mock and waits until it is ACTIVE (creation is asynchronous there
 * as on AWS). Ref = stream name; Arn attribute. Encryption has no local effect.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kinesis-stream.html
 */
export function streamProvider(client: KinesisClient): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const p = request.properties;
      // Generated stream names are at most 128 characters.
      const streamName =
        typeof p.Name === 'string' ? p.Name : generatedName(request.stackName, request.logicalId, 128);
      const onDemand =
        (p.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND';
      await client.send(
        new CreateStreamCommand({
          StreamName: streamName,
          ShardCount: onDemand ? ON_DEMAND_INITIAL_SHARDS : Number(p.ShardCount ?? 1),
        }),
      );
      await waitUntilActive(client, streamName);
      const retentionHours = Number(p.RetentionPeriodHours ?? 24);
      if (retentionHours > 24) {
        await client.send(
          new IncreaseStreamRetentionPeriodCommand({
            StreamName: streamName,
            RetentionPeriodHours: retentionHours,
          }),
        );
        await waitUntilActive(client, streamName);
      }
      return {
        physicalId: streamName,
        attributes: { Arn: `arn:aws:kinesis:${request.region}:${request.accountId}:stream/${streamName}` },
      };
    },
  };
}

async function waitUntilActive(client: KinesisClient, streamName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { StreamDescriptionSummary } = await client.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`stream ${streamName} was not ACTIVE after ${ACTIVE_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
