import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { checkTicketRequest, newTicket, TICKET_TTL_SECONDS } from '../domain/status-push.ts';
import { requireEnv } from '../shared/config.ts';
import { TicketsTable } from '../shared/dynamodb-push-store.ts';
import { bodyText, jsonBodyText } from '../shared/http.ts';
import { logger } from '../shared/logger.ts';
import { answeringProblems } from '../shared/problem.ts';

export interface IssueTicketDependencies {
  readonly tickets: Pick<TicketsTable, 'issue'>;
  /** The WebSocket API's stage URL (`wss://.../prod`). */
  readonly webSocketUrl: string;
  readonly now: () => Date;
}

/**
 * `POST /push/tickets` (API key): a single-use ticket to open one WebSocket connection within a minute. Browsers
 * cannot set headers on a WebSocket handshake, and an API key in a URL ends up in logs; a short-lived ticket does
 * not matter once used. Only the ticket's hash is stored. The request has no body (or `{}`); any other body is
 * refused before a ticket is made.
 */
export const makeHandler = ({ tickets, webSocketUrl, now }: IssueTicketDependencies) =>
  answeringProblems(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    // An empty body needs no media type; any other must be JSON (415 otherwise).
    checkTicketRequest(bodyText(event)?.trim() ? jsonBodyText(event) : null);
    const { ticket, ticketHash } = newTicket();
    const expiresAt = new Date(now().getTime() + TICKET_TTL_SECONDS * 1000);
    await tickets.issue(ticketHash, expiresAt);
    logger.info('Connection ticket issued', { expiresAt: expiresAt.toISOString() });
    return {
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: JSON.stringify({
        ticket,
        expiresAt: expiresAt.toISOString(),
        url: `${webSocketUrl}?ticket=${encodeURIComponent(ticket)}`,
      }),
    };
  });

export const handler = makeHandler({
  tickets: new TicketsTable(requireEnv('TICKETS_TABLE_NAME'), new DynamoDBClient({})),
  webSocketUrl: requireEnv('WEBSOCKET_URL'),
  now: () => new Date(),
});
