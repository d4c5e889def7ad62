import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ConflictingEvent,
  eventFingerprint,
  type ProductEvent,
  type ProductStats,
  type ProductStatsStore,
  type SequencedEvent,
  statsIncrementOf,
} from '../domain/product-event.ts';
import { documentClient } from './dynamodb.ts';

/** How long an applied event's id is remembered: well past the stream's 24 h retention and every retry. */
const DEDUPE_DAYS = 7;

/**
 * Most events applied in one TransactWriteItems: it takes 100 actions, one of them the SKU's stats update.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
export const MAX_EVENTS_TOGETHER = 99;

/** Kinesis sequence numbers match `0|([1-9]\d{0,128})`: at most 129 digits. */
const SEQUENCE_ORDER_DIGITS = 129;

/**
 * Stats per SKU in one table, applied-event ids in another. One TransactWriteItems puts the event ids (each only if
 * absent) and adds the events' counts, so a redelivered record either finds its id and changes nothing, or is
 * applied whole: exactly-once effect on at-least-once delivery.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 */
export class DynamoDbProductStatsStore implements ProductStatsStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tables: { readonly stats: string; readonly appliedEvents: string },
    client: DynamoDBClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.documents = documentClient(client);
  }

  async apply(
    event: ProductEvent,
    sequenceNumber: string,
  ): Promise<'applied' | 'duplicate' | ConflictingEvent> {
    try {
      await this.writeTogether([{ event, sequenceNumber }]);
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        const applied = await this.appliedEvent(event.eventId);
        const fingerprint = eventFingerprint(event);
        // An id applied before this store kept fingerprints cannot be told apart: it counts as the same event.
        if (applied?.fingerprint !== undefined && applied.fingerprint !== fingerprint) {
          return {
            outcome: 'conflict',
            fingerprint,
            appliedFingerprint: applied.fingerprint,
            appliedSequenceNumber: applied.sequenceNumber,
          };
        }
        // Applied before, perhaps by an invocation that stopped before advancing the marks: advance them now.
        await this.advanceMarks(event.sku, event.occurredAt, sequenceNumber);
        return 'duplicate';
      }
      throw error;
    }
    await this.advanceMarks(event.sku, event.occurredAt, sequenceNumber);
    return 'applied';
  }

  /** One transaction for the events of a SKU: their ids put (each only if absent), their counts added once. */
  async applyTogether(events: readonly SequencedEvent[]): Promise<'applied' | 'not applied'> {
    const last = events.at(-1);
    if (!last || events.length > MAX_EVENTS_TOGETHER) {
      return 'not applied';
    }
    try {
      await this.writeTogether(events);
    } catch (error) {
      // A condition failed (an id applied before) or another write raced it: nothing was written.
      if (error instanceof TransactionCanceledException) {
        return 'not applied';
      }
      throw error;
    }
    const latest = events.reduce((a, b) =>
      Date.parse(a.event.occurredAt) >= Date.parse(b.event.occurredAt) ? a : b,
    );
    const highest = events.reduce((a, b) =>
      sequenceOrder(a.sequenceNumber) >= sequenceOrder(b.sequenceNumber) ? a : b,
    );
    await this.advanceMarks(last.event.sku, latest.event.occurredAt, highest.sequenceNumber);
    return 'applied';
  }

  private async writeTogether(events: readonly SequencedEvent[]): Promise<void> {
    const sku = events[0]?.event.sku;
    const increment = statsIncrementOf(events.map(({ event }) => event));
    const expiresAt = Math.floor(this.now().getTime() / 1000) + DEDUPE_DAYS * 86_400;
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          ...events.map(({ event, sequenceNumber }) => ({
            Put: {
              TableName: this.tables.appliedEvents,
              Item: {
                eventId: event.eventId,
                sku: event.sku,
                sequenceNumber,
                fingerprint: eventFingerprint(event),
                expiresAt,
              },
              ConditionExpression: 'attribute_not_exists(eventId)',
            },
          })),
          {
            Update: {
              TableName: this.tables.stats,
              Key: { sku },
              UpdateExpression:
                'ADD #views :views, reviews :reviews, ratingSum :ratingSum, purchases :purchases, units :units',
              ExpressionAttributeNames: { '#views': 'views' },
              ExpressionAttributeValues: {
                ':views': increment.views,
                ':reviews': increment.reviews,
                ':ratingSum': increment.ratingSum,
                ':purchases': increment.purchases,
                ':units': increment.units,
              },
            },
          },
        ],
      }),
    );
  }

  private async appliedEvent(
    eventId: string,
  ): Promise<{ fingerprint?: string; sequenceNumber?: string } | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tables.appliedEvents, Key: { eventId }, ConsistentRead: true }),
    );
    return Item as { fingerprint?: string; sequenceNumber?: string } | undefined;
  }

  async find(sku: string): Promise<ProductStats | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tables.stats, Key: { sku }, ConsistentRead: true }),
    );
    return Item as ProductStats | undefined;
  }

  /** Moves a SKU's latest occurrence time and highest sequence number forward, each only if later: two writes at once. */
  private async advanceMarks(sku: string, occurredAt: string, sequenceNumber: string): Promise<void> {
    await Promise.all([
      this.advanceLastEventAt(sku, occurredAt),
      this.advanceLastSequenceNumber(sku, sequenceNumber),
    ]);
  }

  /** Keeps the latest occurrence time: events may occur in one order and arrive in another. */
  private advanceLastEventAt(sku: string, occurredAt: string): Promise<void> {
    return this.updateIfLater({
      TableName: this.tables.stats,
      Key: { sku },
      UpdateExpression: 'SET lastEventAt = :at',
      ConditionExpression: 'attribute_not_exists(lastEventAt) OR lastEventAt < :at',
      ExpressionAttributeValues: { ':at': new Date(occurredAt).toISOString() },
    });
  }

  /**
   * Keeps the highest sequence number applied, so that a retried earlier record never moves it back. Sequence
   * numbers are decimal strings of up to 129 digits, so they are compared through a zero-padded copy
   * (`lastSequenceOrder`), which sorts as the numbers do.
   * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsResultEntry.html
   */
  private advanceLastSequenceNumber(sku: string, sequenceNumber: string): Promise<void> {
    return this.updateIfLater({
      TableName: this.tables.stats,
      Key: { sku },
      UpdateExpression: 'SET lastSequenceNumber = :sequence, lastSequenceOrder = :order',
      ConditionExpression: 'attribute_not_exists(lastSequenceOrder) OR lastSequenceOrder < :order',
      ExpressionAttributeValues: { ':sequence': sequenceNumber, ':order': sequenceOrder(sequenceNumber) },
    });
  }

  /** A conditional update whose failed condition means "already later": nothing to do. */
  private async updateIfLater(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<void> {
    try {
      await this.documents.send(new UpdateCommand(input));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
    }
  }
}

/** A sequence number padded to a fixed width, so that string order is numeric order. */
export function sequenceOrder(sequenceNumber: string): string {
  return sequenceNumber.padStart(SEQUENCE_ORDER_DIGITS, '0');
}
