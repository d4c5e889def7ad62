import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import { lineTotalCents, type PricedLine, purchaseOrderSchema, totalCents } from './order.ts';
import './zod-locale.ts';

/** Where a physical order goes. Its presence is what makes an order need shipping. */
const addressSchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  line1: z.string().check(z.minLength(1), z.maxLength(200)),
  line2: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  city: z.string().check(z.minLength(1), z.maxLength(100)),
  postalCode: z.string().check(z.regex(/^[A-Za-z0-9 -]{1,16}$/)),
  /** ISO 3166-1 alpha-2. */
  country: z.string().check(z.regex(/^[A-Z]{2}$/)),
});

/** A shipping address. */
export type Address = z.infer<typeof addressSchema>;

/**
 * An order the web shop publishes: a purchase order (without attachment: events stay small) and, for goods that
 * ship, the address. The one schema behind the code and the API's request validation.
 */
export const publishedOrderSchema = z.extend(z.omit(purchaseOrderSchema, { attachment: true }), {
  shipTo: z.optional(addressSchema),
});

/** A valid order to publish. */
export type PublishedOrderInput = z.infer<typeof publishedOrderSchema>;

// Marked pure, as in order.ts: the functions' bundles drop it.
/** The published order schema as JSON Schema draft 4, the dialect API Gateway models use. */
export const publishedOrderJsonSchema = /* @__PURE__ */ z.toJSONSchema(publishedOrderSchema, {
  target: 'draft-4',
});

/** An order as the publisher records it, and as subscribers of thin events fetch it. */
export interface PublishedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly PricedLine[];
  readonly totalCents: number;
  readonly placedAt: string;
  readonly shipTo?: Address;
  readonly recordedAt: string;
}

/** The record kept by the publisher: the order and the fingerprint that tells a retry from another order. */
export interface PublishedOrderRecord extends PublishedOrder {
  readonly fingerprint: string;
}

/** Parses a request body into an order to publish; throws `ValidationError`. */
export function parsePublishedOrder(body: string | null | undefined): PublishedOrderInput {
  const result = publishedOrderSchema.safeParse(parseJsonBody(body, 'a JSON purchase order'));
  if (!result.success) {
    throw new ValidationError('The purchase order is invalid.', fieldErrors(result.error));
  }
  return result.data;
}

/** Prices the order in integer cents and stamps it as recorded at `recordedAt`. */
export function recordPublishedOrder(order: PublishedOrderInput, recordedAt: Date): PublishedOrderRecord {
  const lines = order.lines.map((line) => ({ ...line, lineTotalCents: lineTotalCents(line) }));
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    currency: order.currency,
    lines,
    totalCents: totalCents(lines),
    placedAt: order.placedAt,
    ...(order.shipTo ? { shipTo: order.shipTo } : {}),
    recordedAt: recordedAt.toISOString(),
    fingerprint: createHash('sha256').update(JSON.stringify(order)).digest('hex'),
  };
}

/** The order without the publisher's internal fields, field by field so nothing internal leaks. */
export function toPublishedOrder(record: PublishedOrderRecord): PublishedOrder {
  return {
    orderId: record.orderId,
    customerId: record.customerId,
    currency: record.currency,
    lines: record.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: line.lineTotalCents,
    })),
    totalCents: record.totalCents,
    placedAt: record.placedAt,
    ...(record.shipTo ? { shipTo: record.shipTo } : {}),
    recordedAt: record.recordedAt,
  };
}

/**
 * How an event carries the order. `fat`: the whole order, so subscribers need nothing else; `thin`: only its
 * id, so the event stays small and never stale, and each subscriber fetches what it needs.
 */
export const EVENT_STYLES = ['fat', 'thin'] as const;
export type EventStyle = (typeof EVENT_STYLES)[number];

/** The `style` query parameter: `fat` when absent; anything else than the two styles is a `ValidationError`. */
export function parseEventStyle(value: string | undefined): EventStyle {
  if (value === undefined) {
    return 'fat';
  }
  if (!(EVENT_STYLES as readonly string[]).includes(value)) {
    throw new ValidationError('The event style is invalid.', [
      { pointer: '#/style', detail: 'The style query parameter is fat or thin.' },
    ]);
  }
  return value as EventStyle;
}

/** The only event type published so far. */
export const ORDER_PLACED = 'OrderPlaced';

/** Order totals, in minor units of the order's currency, sorted into bands subscribers can filter on. */
export const TOTAL_BANDS = [
  { band: 'small', belowCents: 10_000 },
  { band: 'medium', belowCents: 100_000 },
  { band: 'large', belowCents: Number.POSITIVE_INFINITY },
] as const;
export type TotalBand = (typeof TOTAL_BANDS)[number]['band'];

/** The band of a total: small below 100.00, medium below 1,000.00, large from there (in the order's currency). */
export function totalBand(cents: number): TotalBand {
  return TOTAL_BANDS.find((band) => cents < band.belowCents)?.band ?? 'large';
}

/** An `OrderPlaced` event as published: fat events carry the order, thin ones its id only. */
export type OrderPlacedEvent =
  | {
      readonly eventType: typeof ORDER_PLACED;
      readonly eventId: string;
      readonly occurredAt: string;
      readonly orderId: string;
      readonly style: 'fat';
      readonly order: PublishedOrder;
    }
  | {
      readonly eventType: typeof ORDER_PLACED;
      readonly eventId: string;
      readonly occurredAt: string;
      readonly orderId: string;
      readonly style: 'thin';
    };

/**
 * The event of an order, in a style. An order is placed once, so its event id is derived from the order id:
 * publishing again (a retry, or the other style) publishes the same event, which subscribers apply once.
 */
export function orderPlacedEvent(order: PublishedOrder, style: EventStyle): OrderPlacedEvent {
  const common = {
    eventType: ORDER_PLACED,
    eventId: `${ORDER_PLACED}-${order.orderId}`,
    occurredAt: order.recordedAt,
    orderId: order.orderId,
  } as const;
  return style === 'fat' ? { ...common, style, order } : { ...common, style };
}

/**
 * What subscriptions filter on, sent as message attributes in both styles: a thin event's subscriber is chosen
 * by the same facts as a fat one's.
 */
export function eventAttributes(order: PublishedOrder): Readonly<Record<string, string>> {
  return {
    eventType: ORDER_PLACED,
    needsShipping: String(order.shipTo !== undefined),
    totalBand: totalBand(order.totalCents),
  };
}

const deliveredEventSchema = z.object({
  eventType: z.literal(ORDER_PLACED),
  eventId: z.string().check(z.minLength(1), z.maxLength(200)),
  occurredAt: z.string(),
  orderId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  style: z.enum(EVENT_STYLES),
  // Tolerant reader: each subscriber checks the fields it uses, so a new field never breaks one.
  order: z.optional(z.record(z.string(), z.unknown())),
});

/** An event as a subscriber receives it: the order is what the publisher sent, unchecked until used. */
export type DeliveredEvent = z.infer<typeof deliveredEventSchema>;

/** Parses a delivered event; throws `ValidationError` for a message that is not an `OrderPlaced` event. */
export function parseDeliveredEvent(message: string): DeliveredEvent {
  const result = deliveredEventSchema.safeParse(parseJsonBody(message, 'an OrderPlaced event'));
  if (!result.success) {
    throw new ValidationError('The message is not an OrderPlaced event.', fieldErrors(result.error));
  }
  const event = result.data;
  if (event.style === 'fat' && event.order === undefined) {
    throw new ValidationError('A fat event carries its order.', [
      { pointer: '#/order', detail: 'Missing; a fat event carries the order.' },
    ]);
  }
  return event;
}

/** What each subscriber keeps of an order it was told about. */
export const SUBSCRIBERS = ['accounting', 'shipping', 'analytics'] as const;
export type Subscriber = (typeof SUBSCRIBERS)[number];

/** One subscriber having processed one event: written once per order and subscriber. */
export interface Delivery {
  readonly orderId: string;
  readonly subscriber: Subscriber;
  readonly eventId: string;
  readonly style: EventStyle;
  /** `event`: the details came in the event; `api`: the subscriber fetched the order (thin events). */
  readonly detailsFrom: 'event' | 'api';
  readonly details: Readonly<Record<string, unknown>>;
  readonly processedAt: string;
}

/** Reads the fields a subscriber uses from an order; throws `ValidationError` naming what is missing. */
export function takeFields<Shape extends z.ZodMiniType>(
  schema: Shape,
  order: unknown,
  subscriber: Subscriber,
): z.infer<Shape> {
  const result = schema.safeParse(order);
  if (!result.success) {
    throw new ValidationError(
      `The order lacks what ${subscriber} needs.`,
      fieldErrors(result.error).map((error) => ({
        ...error,
        pointer: error.pointer.replace(/^#/, '#/order'),
      })),
    );
  }
  return result.data;
}

/** Accounting books a receivable: who owes what. */
export const accountingFields = z.object({
  customerId: z.string().check(z.minLength(1)),
  currency: z.string().check(z.length(3)),
  totalCents: z.int().check(z.minimum(0)),
});

/** Shipping prepares a shipment: where to, and how many units. */
export const shippingFields = z.pipe(
  z.object({
    shipTo: addressSchema,
    lines: z
      .array(z.object({ sku: z.string(), quantity: z.int().check(z.minimum(1)) }))
      .check(z.minLength(1)),
  }),
  z.transform(({ shipTo, lines }) => ({
    shipTo,
    units: lines.reduce((sum, line) => sum + line.quantity, 0),
  })),
);

/** Analytics counts orders by size: band and number of lines. */
export const analyticsFields = z.pipe(
  z.object({
    totalCents: z.int().check(z.minimum(0)),
    currency: z.string().check(z.length(3)),
    lines: z.array(z.unknown()),
  }),
  z.transform(({ totalCents: cents, currency, lines }) => ({
    totalBand: totalBand(cents),
    currency,
    lineCount: lines.length,
  })),
);
