import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { TICKET_PATTERN, ticketHash } from '../domain/status-push.ts';
import { requireEnv } from '../shared/config.ts';
import { TicketsTable } from '../shared/dynamodb-push-store.ts';
import { logger } from '../shared/logger.ts';

/**
 * The `$connect` route's REQUEST authorizer: allows the connection when `?ticket=` names a ticket issued by
 * `POST /push/tickets` that is unexpired and unused, and uses it up; denies it otherwise (API Gateway answers
 * 403). A handshake without a ticket never gets here: API Gateway answers 401 when the identity source is missing.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html
 */
export const makeHandler =
  (tickets: Pick<TicketsTable, 'redeem'>, now: () => Date) =>
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const ticket = event.queryStringParameters?.ticket ?? '';
    const allowed = TICKET_PATTERN.test(ticket) && (await tickets.redeem(ticketHash(ticket), now()));
    if (!allowed) {
      logger.warn('Connection refused: unknown, expired or used ticket');
    }
    return {
      principalId: 'ticket-holder',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: event.methodArn },
        ],
      },
      context: { authorizedBy: 'ticket' },
    };
  };

export const handler = makeHandler(
  new TicketsTable(requireEnv('TICKETS_TABLE_NAME'), new DynamoDBClient({})),
  () => new Date(),
);
