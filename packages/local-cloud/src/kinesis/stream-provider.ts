import {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  type KinesisClient,
  ResourceNotFoundException,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { generatedName } from '../cloudformation/physical-ids.ts';
import { typedProvider } from '../cloudformation/resource-properties.ts';
import type { ResourceProvider } from '../cloudformation/types.ts';
import { type StreamProperties, streamProperties } from './properties.ts';

/** Shards of an on-demand stream when created: AWS starts on-demand streams at 4 shards. */
const ON_DEMAND_INITIAL_SHARDS = 4;
const ACTIVE_TIMEOUT_MS = 30_000;

/** A stream's capacity settings, from its properties, with CloudFormation's defaults. */
function capacityOf(p: StreamProperties): { onDemand: boolean; shards: number; retentionHours: number } {
  return {
    onDemand: p.StreamModeDetails?.StreamMode === 'ON_DEMAND',
    shards: p.ShardCount ?? 1,
    retentionHours: p.RetentionPeriodHours ?? 24,
  };
}

/**
 * Creates `AWS::Kinesis::Stream` on kinesis-mock and waits until it is ACTIVE (creation is asynchronous there
 * as on AWS). Ref = stream name; Arn attribute. Encryption has no local effect. An update changes the mode, the
 * shard count (UpdateShardCount, uniform scaling: records stay, in closed parent shards) and the retention; a
 * delete deletes the stream and its records, waiting until it is gone so that its name can be used again.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kinesis-stream.html
 */
export function streamProvider(client: KinesisClient): ResourceProvider {
  return typedProvider(streamProperties, {
    async update(request) {
      const streamName = request.physicalId;
      const streamArn = String(request.oldAttributes.Arn);
      const before = capacityOf(request.oldProperties);
      const after = capacityOf(request.properties);
      if (after.onDemand !== before.onDemand) {
        await client.send(
          new UpdateStreamModeCommand({
            StreamARN: streamArn,
            StreamModeDetails: { StreamMode: after.onDemand ? 'ON_DEMAND' : 'PROVISIONED' },
          }),
        );
        await waitUntilActive(client, streamName);
      }
      if (!after.onDemand && after.shards !== before.shards) {
        await client.send(
          new UpdateShardCountCommand({
            StreamName: streamName,
            TargetShardCount: after.shards,
            ScalingType: 'UNIFORM_SCALING',
          }),
        );
        await waitUntilActive(client, streamName);
      }
      if (after.retentionHours !== before.retentionHours) {
        const Command =
          after.retentionHours > before.retentionHours
            ? IncreaseStreamRetentionPeriodCommand
            : DecreaseStreamRetentionPeriodCommand;
        await client.send(
          new Command({ StreamName: streamName, RetentionPeriodHours: after.retentionHours }),
        );
        await waitUntilActive(client, streamName);
      }
      return { physicalId: streamName, attributes: request.oldAttributes };
    },
    async delete(request) {
      await client.send(
        new DeleteStreamCommand({ StreamName: request.physicalId, EnforceConsumerDeletion: true }),
      );
      await waitUntilGone(client, request.physicalId);
    },
    async create(request) {
      // Generated stream names are at most 128 characters.
      const streamName =
        request.properties.Name ?? generatedName(request.stackName, request.logicalId, 128, request.replaces);
      const { onDemand, shards, retentionHours } = capacityOf(request.properties);
      await client.send(
        new CreateStreamCommand({
          StreamName: streamName,
          ShardCount: onDemand ? ON_DEMAND_INITIAL_SHARDS : shards,
        }),
      );
      await waitUntilActive(client, streamName);
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
  });
}

/** kinesis-mock deletes a stream asynchronously, as Kinesis does (DELETING, then gone). */
async function waitUntilGone(client: KinesisClient, streamName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    try {
      await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        return;
      }
      throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`stream ${streamName} was still there ${ACTIVE_TIMEOUT_MS} ms after DeleteStream`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
