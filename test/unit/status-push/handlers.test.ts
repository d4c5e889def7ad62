import type {
  APIGatewayProxyWebsocketEventV2,
  APIGatewayRequestAuthorizerEvent,
  Context,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { StatusMessage } from '../../../lambda/domain/status-push.ts';
import { ticketHash } from '../../../lambda/domain/status-push.ts';
import { logger } from '../../../lambda/shared/logger.ts';
import { dynamoDbStreamEvent, restApiEvent } from '../../helpers/events.ts';

vi.stubEnv('TICKETS_TABLE_NAME', 'tickets');
vi.stubEnv('CONNECTIONS_TABLE_NAME', 'connections');
vi.stubEnv('SUBSCRIPTIONS_TABLE_NAME', 'subscriptions');
vi.stubEnv('WEBSOCKET_URL', 'wss://abc123.execute-api.us-east-1.amazonaws.com/prod');
vi.stubEnv('CONNECTIONS_ENDPOINT', 'https://abc123.execute-api.us-east-1.amazonaws.com/prod');
vi.stubEnv('STATUS_TABLES', '{}');
let issueTicket: typeof import('../../../lambda/status-push/issue-ticket.ts').makeHandler;
let authorize: typeof import('../../../lambda/status-push/authorize-connection.ts').makeHandler;
let connections: typeof import('../../../lambda/status-push/connections.ts').makeHandler;
let pushStatus: typeof import('../../../lambda/status-push/push-status.ts').makeHandler;
beforeAll(async () => {
  issueTicket = (await import('../../../lambda/status-push/issue-ticket.ts')).makeHandler;
  authorize = (await import('../../../lambda/status-push/authorize-connection.ts')).makeHandler;
  connections = (await import('../../../lambda/status-push/connections.ts')).makeHandler;
  pushStatus = (await import('../../../lambda/status-push/push-status.ts')).makeHandler;
});

const now = () => new Date('2026-11-22T11:00:00Z');

/** Tickets with the table's semantics: redeemed once, before expiry. */
class FakeTickets {
  readonly items = new Map<string, Date>();
  async issue(hash: string, expiresAt: Date) {
    this.items.set(hash, expiresAt);
  }
  async redeem(hash: string, at: Date) {
    const expiresAt = this.items.get(hash);
    if (!expiresAt || expiresAt <= at) return false;
    this.items.delete(hash);
    return true;
  }
}

/** Connections and subscriptions in memory. */
class FakeSubscriptions {
  readonly open_ = new Map<string, Set<string>>();
  async open(connectionId: string) {
    this.open_.set(connectionId, new Set());
  }
  async subscribe(connectionId: string, orderId: string, max: number) {
    const ids = this.open_.get(connectionId);
    if (!ids) return 'closed' as const;
    if (!ids.has(orderId) && ids.size >= max) return 'limit' as const;
    ids.add(orderId);
    return 'subscribed' as const;
  }
  async subscribers(orderId: string) {
    return [...this.open_].filter(([, ids]) => ids.has(orderId)).map(([id]) => id);
  }
  async close(connectionId: string) {
    this.open_.delete(connectionId);
  }
}

function socketEvent(
  routeKey: string,
  body?: string,
  connectionId = 'conn-1',
): APIGatewayProxyWebsocketEventV2 {
  return {
    requestContext: {
      routeKey,
      messageId: 'm-1',
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      extendedRequestId: 'x',
      requestTime: '22/Nov/2026:11:00:00 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: 0,
      requestTimeEpoch: 0,
      requestId: 'r-1',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      connectionId,
      apiId: 'abc123',
    },
    body,
    isBase64Encoded: false,
  };
}

describe('connection tickets', () => {
  it('issues a single-use ticket valid for a minute, stored by hash, with the URL to connect to', async () => {
    const tickets = new FakeTickets();
    const result = await issueTicket({
      tickets,
      webSocketUrl: 'wss://abc123.execute-api.us-east-1.amazonaws.com/prod',
      now,
    })(restApiEvent({ path: '/push/tickets', body: null }));
    expect(result.statusCode).toBe(201);
    expect(result.headers?.['Cache-Control']).toBe('no-store');
    const body = JSON.parse(result.body);
    expect(body.expiresAt).toBe('2026-11-22T11:01:00.000Z');
    expect(body.url).toBe(`wss://abc123.execute-api.us-east-1.amazonaws.com/prod?ticket=${body.ticket}`);
    expect([...tickets.items.keys()]).toEqual([ticketHash(body.ticket)]);
  });

  it('issues a ticket for an empty body or {}, whatever the content type of an empty one', async () => {
    for (const [body, contentType] of [
      ['', 'text/plain'],
      ['{}', 'application/json'],
      [' { } ', 'application/json; charset=utf-8'],
    ] as const) {
      const tickets = new FakeTickets();
      const result = await issueTicket({ tickets, webSocketUrl: 'wss://x/prod', now })(
        restApiEvent({ path: '/push/tickets', body, headers: { 'Content-Type': contentType } }),
      );
      expect(result.statusCode).toBe(201);
      expect(tickets.items.size).toBe(1);
    }
  });

  it.each([
    ['a ticket of the client’s choosing', '{"ticket":"mine"}', 'application/json', 400],
    ['a lifetime of the client’s choosing', '{"ttlSeconds":86400}', 'application/json', 400],
    ['a body that is not JSON', '{"ticket":', 'application/json', 400],
    ['a JSON value that is not an object', '[]', 'application/json', 400],
    ['a body of another media type', 'ticket=mine', 'application/x-www-form-urlencoded', 415],
  ])('refuses %s with a problem and stores no ticket', async (_, body, contentType, status) => {
    const tickets = new FakeTickets();
    const result = await issueTicket({ tickets, webSocketUrl: 'wss://x/prod', now })(
      restApiEvent({ path: '/push/tickets', body, headers: { 'Content-Type': contentType } }),
    );
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(result.body)).not.toHaveProperty('ticket');
    expect(tickets.items.size).toBe(0);
  });

  it('allows a connection once per ticket, and denies unknown, used and expired tickets', async () => {
    const tickets = new FakeTickets();
    const { ticket } = JSON.parse(
      (
        await issueTicket({ tickets, webSocketUrl: 'wss://x/prod', now })(
          restApiEvent({ path: '/push/tickets' }),
        )
      ).body,
    );
    const request = (value: string, at = now) =>
      authorize(
        tickets,
        at,
      )({
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/$connect',
        queryStringParameters: { ticket: value },
      } as unknown as APIGatewayRequestAuthorizerEvent);
    const effect = async (value: string, at = now) => (await request(value, at)).policyDocument.Statement[0];
    expect(await effect(ticket)).toMatchObject({
      Effect: 'Allow',
      Resource: 'arn:aws:execute-api:us-east-1:000000000000:abc123/prod/$connect',
    });
    expect((await effect(ticket)) as { Effect: string }).toMatchObject({ Effect: 'Deny' });
    expect(await effect('x'.repeat(43))).toMatchObject({ Effect: 'Deny' });
    expect(await effect('<script>')).toMatchObject({ Effect: 'Deny' });
    const late = JSON.parse(
      (
        await issueTicket({ tickets, webSocketUrl: 'wss://x/prod', now })(
          restApiEvent({ path: '/push/tickets' }),
        )
      ).body,
    ).ticket;
    expect(await effect(late, () => new Date('2026-11-22T11:01:00Z'))).toMatchObject({ Effect: 'Deny' });
  });
});

describe('WebSocket routes', () => {
  it('records a connection, subscribes it, and forgets it on disconnect', async () => {
    const subscriptions = new FakeSubscriptions();
    const handler = connections({ subscriptions, now });
    expect(await handler(socketEvent('$connect'))).toEqual({ statusCode: 200 });
    const subscribed = await handler(socketEvent('subscribe', '{"action":"subscribe","orderId":"o-1"}'));
    expect(subscribed).toEqual({ statusCode: 200, body: '{"type":"subscribed","orderId":"o-1"}' });
    expect(await subscriptions.subscribers('o-1')).toEqual(['conn-1']);
    await handler(socketEvent('$disconnect'));
    expect(await subscriptions.subscribers('o-1')).toEqual([]);
  });

  it('answers bad messages, unknown actions, too many subscriptions and closed connections with an error', async () => {
    const subscriptions = new FakeSubscriptions();
    const handler = connections({ subscriptions, now });
    await handler(socketEvent('$connect'));
    const invalid = await handler(socketEvent('subscribe', '{"action":"subscribe","orderId":"../x"}'));
    expect(invalid).toMatchObject({ statusCode: 400 });
    expect(JSON.parse((invalid as { body: string }).body)).toMatchObject({
      type: 'error',
      title: 'The subscribe message is invalid.',
    });
    expect(await handler(socketEvent('$default', 'hello'))).toMatchObject({ statusCode: 400 });
    for (let i = 0; i < 50; i++) {
      await handler(socketEvent('subscribe', `{"action":"subscribe","orderId":"o-${i}"}`));
    }
    expect(await handler(socketEvent('subscribe', '{"action":"subscribe","orderId":"o-50"}'))).toMatchObject({
      statusCode: 429,
    });
    expect(await handler(socketEvent('subscribe', '{"action":"subscribe","orderId":"o-1"}'))).toMatchObject({
      statusCode: 200,
    });
    const closed = await handler(
      socketEvent('subscribe', '{"action":"subscribe","orderId":"o-1"}', 'conn-gone'),
    );
    expect(closed).toMatchObject({ statusCode: 410 });
  });
});

describe('status pusher', () => {
  const streamArn = (table: string) =>
    `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/2026-11-22T00:00:00.000`;
  function change(
    table: string,
    oldImage: Record<string, unknown> | undefined,
    newImage: Record<string, unknown>,
  ) {
    const event = dynamoDbStreamEvent([{ keys: { orderId: newImage.orderId }, oldImage, newImage }]);
    for (const record of event.Records) record.eventSourceARN = streamArn(table);
    return event as DynamoDBStreamEvent;
  }

  it('pushes a status change to every follower, and forgets a gone connection', async () => {
    const subscriptions = new FakeSubscriptions();
    await subscriptions.open('a');
    await subscriptions.open('b');
    await subscriptions.subscribe('a', 'o-1', 50);
    await subscriptions.subscribe('b', 'o-1', 50);
    const sent: Array<[string, StatusMessage]> = [];
    const handler = pushStatus({
      sources: { 'queue-statuses': 'queue' },
      subscriptions,
      send: async (connectionId, message) => {
        if (connectionId === 'b') return 'gone';
        sent.push([connectionId, message]);
        return 'sent';
      },
    });
    const result = await handler(
      change(
        'queue-statuses',
        { orderId: 'o-1', status: 'QUEUED' },
        { orderId: 'o-1', status: 'PROCESSING', updatedAt: 't1' },
      ),
      {} as Context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([
      ['a', { type: 'status', pattern: 'queue', orderId: 'o-1', status: 'PROCESSING', at: 't1' }],
    ]);
    expect(await subscriptions.subscribers('o-1')).toEqual(['a']);
  });

  it('pushes nothing when the status did not change, and fails a record it cannot send so it is retried', async () => {
    const subscriptions = new FakeSubscriptions();
    await subscriptions.open('a');
    await subscriptions.subscribe('a', 'o-1', 50);
    let sends = 0;
    const handler = pushStatus({
      sources: { views: 'cqrs' },
      subscriptions,
      send: async () => {
        sends++;
        throw new Error('throttled');
      },
    });
    await handler(
      change('views', { orderId: 'o-1', status: 'PAID' }, { orderId: 'o-1', status: 'PAID', version: 3 }),
      {} as Context,
    );
    expect(sends).toBe(0);
    await expect(
      handler(
        change('views', { orderId: 'o-1', status: 'PLACED' }, { orderId: 'o-1', status: 'PAID' }),
        {} as Context,
      ),
    ).rejects.toThrow();
    expect(sends).toBe(1);
  });

  it('never pushes an order’s newer status before an older one that failed: the newer one waits for its retry', async () => {
    const subscriptions = new FakeSubscriptions();
    await subscriptions.open('a');
    await subscriptions.subscribe('a', 'o-1', 50);
    await subscriptions.subscribe('a', 'o-2', 50);
    const sent: string[] = [];
    let refusals = 1;
    const handler = pushStatus({
      sources: { 'queue-statuses': 'queue' },
      subscriptions,
      send: async (_, message) => {
        if (message.status === 'PROCESSING' && message.orderId === 'o-1' && refusals-- > 0) {
          throw new Error('LimitExceededException');
        }
        sent.push(`${message.orderId} ${message.status}`);
        return 'sent';
      },
    });
    const event = dynamoDbStreamEvent([
      {
        keys: { orderId: 'o-1' },
        oldImage: { orderId: 'o-1', status: 'QUEUED' },
        newImage: { orderId: 'o-1', status: 'PROCESSING' },
      },
      {
        keys: { orderId: 'o-2' },
        oldImage: { orderId: 'o-2', status: 'QUEUED' },
        newImage: { orderId: 'o-2', status: 'DONE' },
      },
      {
        keys: { orderId: 'o-1' },
        oldImage: { orderId: 'o-1', status: 'PROCESSING' },
        newImage: { orderId: 'o-1', status: 'DONE' },
      },
    ]) as DynamoDBStreamEvent;
    for (const record of event.Records) record.eventSourceARN = streamArn('queue-statuses');
    const [first, , third] = event.Records.map((record) => String(record.dynamodb?.SequenceNumber));

    const result = await handler(event, {} as Context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: first }, { itemIdentifier: third }] });
    expect(sent).toEqual(['o-2 DONE']);
    // Lambda retries from the lowest sequence number reported, o-2's change again among the rest.
    expect(await handler(event, {} as Context)).toEqual({ batchItemFailures: [] });
    expect(sent.filter((line) => line.startsWith('o-1'))).toEqual(['o-1 PROCESSING', 'o-1 DONE']);
  });

  it('pushes nothing for an item that is not a status item, and says so with its sequence number', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const subscriptions = new FakeSubscriptions();
    await subscriptions.open('a');
    await subscriptions.subscribe('a', 'o-1', 50);
    let sends = 0;
    const handler = pushStatus({
      sources: { views: 'cqrs' },
      subscriptions,
      send: async () => {
        sends++;
        return 'sent';
      },
    });
    const event = change('views', undefined, { orderId: 'o-1', status: 7 });
    expect(await handler(event, {} as Context)).toEqual({ batchItemFailures: [] });
    expect(sends).toBe(0);
    expect(warn).toHaveBeenCalledWith(
      'Not a status item; nothing pushed',
      expect.objectContaining({
        sequenceNumber: event.Records[0]?.dynamodb?.SequenceNumber,
        pattern: 'cqrs',
      }),
    );
    warn.mockRestore();
  });
});
