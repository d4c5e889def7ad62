import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import './zod-locale.ts';
import { ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';

/** Events per request: PutRecords takes at most 500 records. */
export const MAX_EVENTS_PER_REQUEST = 500;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const common = {
  /** The client's id for the event: a redelivered event with the same id never counts twice. */
  eventId: z.string().check(z.regex(ID_PATTERN)),
  sku: z.string().check(z.regex(SKU_PATTERN)),
  occurredAt: z.iso.datetime({ offset: true }),
};

/** Something that happened to a product in the web shop, for analytics. One schema for the API and the consumer. */
export const productEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('view') }),
  z.strictObject({ ...common, type: z.literal('review'), rating: z.int().check(z.minimum(1), z.maximum(5)) }),
  z.strictObject({
    ...common,
    type: z.literal('purchase'),
    quantity: z.int().check(z.minimum(1), z.maximum(10_000)),
  }),
]);

export type ProductEvent = z.infer<typeof productEventSchema>;

/** A batch of events as the API takes it. */
export const productEventBatchSchema = z.strictObject({
  events: z.array(productEventSchema).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST)),
});

// Marked pure, as in order.ts: the functions' bundles drop it.
/** The batch schema as JSON Schema draft 4. */
export const productEventBatchJsonSchema = /* @__PURE__ */ z.toJSONSchema(productEventBatchSchema, {
  target: 'draft-4',
});

// Marked pure, inner calls too: the functions' bundles drop the envelope and its conversion.
/**
 * The envelope API Gateway checks at the edge: an `events` list of 1-500 objects. Each event is checked by the
 * function, which can name the index of every bad one (API Gateway's validator message cannot).
 */
export const productEventEnvelopeJsonSchema = /* @__PURE__ */ z.toJSONSchema(
  /* @__PURE__ */ z.strictObject({
    events: /* @__PURE__ */ z
      .array(/* @__PURE__ */ z.looseObject({}))
      .check(/* @__PURE__ */ z.minLength(1), /* @__PURE__ */ z.maxLength(MAX_EVENTS_PER_REQUEST)),
  }),
  { target: 'draft-4' },
);

/** Parses a request body into events; a `ValidationError` names every bad event by index, and nothing is sent. */
export function parseEventBatch(body: string | null | undefined): ProductEvent[] {
  const json = parseJsonBody(body, '{"events": [...]}');
  const result = productEventBatchSchema.safeParse(json);
  if (!result.success) {
    const errors = fieldErrors(result.error);
    const indexes = [
      ...new Set(
        result.error.issues
          .filter((issue) => issue.path[0] === 'events' && typeof issue.path[1] === 'number')
          .map((issue) => issue.path[1]),
      ),
    ];
    const which = indexes.length > 0 ? ` Invalid events at indexes ${indexes.join(', ')}.` : '';
    throw new ValidationError(`The event batch is invalid; nothing was sent.${which}`, errors);
  }
  return result.data.events;
}

/** The SKU, when the value has the shape of one; otherwise a `ValidationError`. */
export function requireSku(value: string | undefined): string {
  if (value === undefined || !SKU_PATTERN.test(value)) {
    throw new ValidationError('The SKU is invalid.', [
      { pointer: '#/sku', detail: 'A SKU is 1-64 characters of A-Z, a-z, 0-9, ., _ and -.' },
    ]);
  }
  return value;
}

/**
 * Parses one event as read from the stream (the consumer trusts nothing it did not check: anyone allowed to put
 * records on the stream may put anything). Not JSON, or not a product event, is a `ValidationError`.
 */
export function parseStreamedEvent(data: string): ProductEvent {
  const result = productEventSchema.safeParse(parseJsonBody(data, 'a product event'));
  if (!result.success) {
    throw new ValidationError('The record is not a product event.', fieldErrors(result.error));
  }
  return result.data;
}

/** Per-SKU statistics. */
export interface ProductStats {
  readonly sku: string;
  readonly views: number;
  readonly reviews: number;
  readonly ratingSum: number;
  readonly purchases: number;
  readonly units: number;
  readonly lastEventAt?: string;
  /** Sequence number of the last event applied: events of one SKU are applied in stream order. */
  readonly lastSequenceNumber?: string;
}

/** How one event changes its SKU's counters: the increments an atomic update adds. */
export function statsIncrement(
  event: ProductEvent,
): Omit<ProductStats, 'sku' | 'lastEventAt' | 'lastSequenceNumber'> {
  return {
    views: event.type === 'view' ? 1 : 0,
    reviews: event.type === 'review' ? 1 : 0,
    ratingSum: event.type === 'review' ? event.rating : 0,
    purchases: event.type === 'purchase' ? 1 : 0,
    units: event.type === 'purchase' ? event.quantity : 0,
  };
}

/** An event and the sequence number the stream gave it. */
export interface SequencedEvent {
  readonly event: ProductEvent;
  readonly sequenceNumber: string;
}

/** The counts several events add to their SKU's statistics together. */
export function statsIncrementOf(
  events: readonly ProductEvent[],
): Omit<ProductStats, 'sku' | 'lastEventAt' | 'lastSequenceNumber'> {
  const total = { views: 0, reviews: 0, ratingSum: 0, purchases: 0, units: 0 };
  for (const add of events.map(statsIncrement)) {
    total.views += add.views;
    total.reviews += add.reviews;
    total.ratingSum += add.ratingSum;
    total.purchases += add.purchases;
    total.units += add.units;
  }
  return total;
}

/** Stats as the API shows them: the average rating instead of the sum, to two decimals. */
export function toPublicStats(stats: ProductStats) {
  return {
    sku: stats.sku,
    views: stats.views,
    reviews: stats.reviews,
    averageRating: stats.reviews === 0 ? null : Math.round((stats.ratingSum / stats.reviews) * 100) / 100,
    purchases: stats.purchases,
    units: stats.units,
    lastEventAt: stats.lastEventAt ?? null,
    lastSequenceNumber: stats.lastSequenceNumber ?? null,
  };
}

/**
 * What an event says, as a SHA-256 of its fields in name order: the same event sent again (in any key order) has
 * the same fingerprint; another event under the same id has another.
 */
export function eventFingerprint(event: ProductEvent): string {
  const fields = Object.keys(event).sort();
  return createHash('sha256').update(JSON.stringify(event, fields)).digest('hex');
}

/** An event whose id was applied before for an event with other content: a reused id, not a redelivery. */
export interface ConflictingEvent {
  readonly outcome: 'conflict';
  /** This event's fingerprint. */
  readonly fingerprint: string;
  /** The fingerprint of the event applied under the id, and the sequence number it came with. */
  readonly appliedFingerprint: string;
  readonly appliedSequenceNumber: string | undefined;
}

/** Where the stream pattern keeps statistics (the port; DynamoDB is one adapter). */
export interface ProductStatsStore {
  /**
   * Applies an event once: `duplicate` when the same event (same id, same fingerprint) was applied before, a
   * conflict when its id was applied for an event with other content.
   */
  apply(event: ProductEvent, sequenceNumber: string): Promise<'applied' | 'duplicate' | ConflictingEvent>;
  /**
   * Applies events of one SKU, given in stream order with distinct ids, all in one write or none: `not applied`
   * (nothing changed) when one of them was applied before or they could not be written together.
   */
  applyTogether(events: readonly SequencedEvent[]): Promise<'applied' | 'not applied'>;
  find(sku: string): Promise<ProductStats | undefined>;
}

/** A record the stream refused, by its index in the request. */
export interface RefusedEvent {
  readonly index: number;
  readonly eventId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}
