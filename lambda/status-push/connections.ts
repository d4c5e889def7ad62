import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { ValidationError } from '../domain/errors.ts';
import {
  CONNECTION_TTL_SECONDS,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
  parseSubscribe,
  type Reply,
} from '../domain/status-push.ts';
import { requireEnv } from '../shared/config.ts';
import { PushSubscriptionsTables } from '../shared/dynamodb-push-store.ts';
import { logger } from '../shared/logger.ts';

export interface ConnectionsDependencies {
  readonly subscriptions: Pick<PushSubscriptionsTables, 'open' | 'subscribe' | 'close'>;
  readonly now: () => Date;
}

function reply(statusCode: number, body: Reply): APIGatewayProxyResultV2 {
  return { statusCode, body: JSON.stringify(body) };
}

/**
 * The WebSocket API's routes. `$connect` (after the ticket authorizer) records the connection; `subscribe`
 * (`{"action":"subscribe","orderId":"..."}`) follows an id and answers `{"type":"subscribed"}`; `$default` answers
 * what it accepts; `$disconnect` forgets the connection and its subscriptions (best effort: AWS does not promise
 * the event, so records also expire with the 2-hour connection limit).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 */
export const makeHandler = ({ subscriptions, now }: ConnectionsDependencies) => {
  const subscribe = async (
    connectionId: string,
    body: string | undefined,
  ): Promise<APIGatewayProxyResultV2> => {
    let orderId: string;
    try {
      ({ orderId } = parseSubscribe(body));
    } catch (error) {
      if (error instanceof ValidationError) {
        const detail = error.errors.map((e) => `${e.pointer}: ${e.detail}`).join('; ');
        return reply(400, { type: 'error', title: error.message, detail });
      }
      throw error;
    }
    const outcome = await subscriptions.subscribe(connectionId, orderId, MAX_SUBSCRIPTIONS_PER_CONNECTION);
    if (outcome === 'limit') {
      return reply(429, {
        type: 'error',
        title: 'Too many subscriptions',
        detail: `A connection follows at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} ids; open another.`,
      });
    }
    if (outcome === 'closed') {
      return reply(410, {
        type: 'error',
        title: 'Connection closed',
        detail: 'Reconnect with a new ticket.',
      });
    }
    logger.info('Subscribed', { connectionId, orderId });
    return reply(200, { type: 'subscribed', orderId });
  };

  return async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> => {
    const { routeKey, connectionId } = event.requestContext;
    switch (routeKey) {
      case '$connect':
        await subscriptions.open(connectionId, new Date(now().getTime() + CONNECTION_TTL_SECONDS * 1000));
        logger.info('Connected', { connectionId });
        return { statusCode: 200 };
      case '$disconnect':
        await subscriptions.close(connectionId);
        logger.info('Disconnected', { connectionId });
        return { statusCode: 200 };
      case 'subscribe':
        return subscribe(connectionId, event.body);
      default:
        return reply(400, {
          type: 'error',
          title: 'Unknown action',
          detail: 'Send {"action":"subscribe","orderId":"<order or file id>"}.',
        });
    }
  };
};

export const handler = makeHandler({
  subscriptions: new PushSubscriptionsTables(
    requireEnv('CONNECTIONS_TABLE_NAME'),
    requireEnv('SUBSCRIPTIONS_TABLE_NAME'),
    new DynamoDBClient({}),
  ),
  now: () => new Date(),
});
