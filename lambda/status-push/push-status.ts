import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as StreamAttributeValue,
} from 'aws-lambda';
import { isStatusItem, type StatusMessage, type StatusSource, statusChange } from '../domain/status-push.ts';
import { requireEnv } from '../shared/config.ts';
import { PushSubscriptionsTables } from '../shared/dynamodb-push-store.ts';
import { inKeyOrder } from '../shared/key-ordered.ts';
import { logger } from '../shared/logger.ts';
import { logStreamFailures } from '../shared/record-failures.ts';

export interface PushStatusDependencies {
  /** Which pattern each status table belongs to, by table name. */
  readonly sources: Readonly<Record<string, StatusSource>>;
  readonly subscriptions: Pick<PushSubscriptionsTables, 'subscribers' | 'close'>;
  /** Sends a message to a connection; `gone` when the connection no longer exists (410). */
  readonly send: (connectionId: string, message: StatusMessage) => Promise<'sent' | 'gone'>;
}

/** The table a stream record comes from: `arn:aws:dynamodb:{region}:{account}:table/{name}/stream/{label}`. */
export function tableNameOf(record: DynamoDBRecord): string {
  return /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN ?? '')?.[1] ?? '';
}

function image(value: Record<string, StreamAttributeValue> | undefined): Record<string, unknown> | undefined {
  return value ? unmarshall(value as Record<string, AttributeValue>) : undefined;
}

/**
 * Pushes status changes of the queue, file drop and CQRS patterns to the WebSocket connections that follow them,
 * from their tables' streams: `{type: "status", pattern, orderId, status, at}`, in stream order per item. A
 * connection that is gone (410) is forgotten; any other failure fails the record, which is retried.
 */
export const makeHandler = ({ sources, subscriptions, send }: PushStatusDependencies) => {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const keyOf = (record: DynamoDBRecord) => `${tableNameOf(record)}/${JSON.stringify(record.dynamodb?.Keys)}`;

  const push = async (record: DynamoDBRecord): Promise<void> => {
    const pattern = sources[tableNameOf(record)];
    if (!pattern) {
      throw new Error(`No status source for the table of ${record.eventSourceARN}`);
    }
    const newImage = image(record.dynamodb?.NewImage);
    const message = statusChange(pattern, image(record.dynamodb?.OldImage), newImage);
    if (!message) {
      if (newImage !== undefined && !isStatusItem(pattern, newImage)) {
        // Nothing to push or retry; said once, so an item written around the pattern is not passed over in silence.
        logger.warn('Not a status item; nothing pushed', {
          sequenceNumber: record.dynamodb?.SequenceNumber,
          eventID: record.eventID,
          pattern,
          keys: record.dynamodb?.Keys,
        });
      }
      return;
    }
    const connections = await subscriptions.subscribers(message.orderId);
    await Promise.all(
      connections.map(async (connectionId) => {
        if ((await send(connectionId, message)) === 'gone') {
          logger.info('Connection gone; forgotten', { connectionId });
          await subscriptions.close(connectionId);
        }
      }),
    );
    logger.info('Status pushed', {
      pattern,
      orderId: message.orderId,
      status: message.status,
      connections: connections.length,
    });
  };

  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, logStreamFailures(inKeyOrder(keyOf, push)), processor, { context });
};

const connectionsApi = new ApiGatewayManagementApiClient({ endpoint: requireEnv('CONNECTIONS_ENDPOINT') });

export const handler = makeHandler({
  sources: JSON.parse(requireEnv('STATUS_TABLES')) as Record<string, StatusSource>,
  subscriptions: new PushSubscriptionsTables(
    requireEnv('CONNECTIONS_TABLE_NAME'),
    requireEnv('SUBSCRIPTIONS_TABLE_NAME'),
    new DynamoDBClient({}),
  ),
  send: async (connectionId, message) => {
    try {
      await connectionsApi.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(message) }),
      );
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException) {
        return 'gone';
      }
      throw error;
    }
  },
});
