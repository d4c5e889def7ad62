import * as z from 'zod/mini';
import { ConcurrentChangeError, InvalidTransitionError, ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import { lineTotalCents, purchaseOrderSchema, totalCents } from './order.ts';
import './zod-locale.ts';

/**
 * Pattern 7, CQRS: an order's life as a list of events (the write model), the rules that decide which event a
 * command appends, and the read models projected from the events. Pure: no AWS here.
 */

/** Largest `reason` a cancellation may give, in characters. */
export const MAX_REASON_LENGTH = 500;

const PAYMENT_REFERENCE_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;

/** `expectedVersion`: the version the client last saw; the command is refused with 409 when it is not current. */
const expectedVersion = z.optional(z.int().check(z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER)));

/** `POST /cqrs/orders`: the order's customer, currency and lines (the server names the order). */
export const placeOrderSchema = z.pick(purchaseOrderSchema, {
  customerId: true,
  currency: true,
  lines: true,
});

/** `POST /cqrs/orders/{orderId}/pay`. */
export const payOrderSchema = z.strictObject({
  paymentReference: z.string().check(z.regex(PAYMENT_REFERENCE_PATTERN)),
  expectedVersion,
});

/** `POST /cqrs/orders/{orderId}/cancel`. */
export const cancelOrderSchema = z.strictObject({
  reason: z.string().check(z.minLength(1), z.maxLength(MAX_REASON_LENGTH)),
  expectedVersion,
});

// Marked pure, as in order.ts: the functions' bundles drop it.
/** The command bodies as JSON Schema draft 4, the dialect API Gateway models use. */
export const placeOrderJsonSchema = /* @__PURE__ */ z.toJSONSchema(placeOrderSchema, { target: 'draft-4' });
export const payOrderJsonSchema = /* @__PURE__ */ z.toJSONSchema(payOrderSchema, { target: 'draft-4' });
export const cancelOrderJsonSchema = /* @__PURE__ */ z.toJSONSchema(cancelOrderSchema, { target: 'draft-4' });

/** Where an order is in its life. PLACED is the only state a command can leave; PAID and CANCELLED are final. */
export type OrderStatus = 'PLACED' | 'PAID' | 'CANCELLED';

const pricedLineSchema = z.strictObject({
  sku: z.string(),
  quantity: z.int(),
  unitPriceCents: z.int(),
  lineTotalCents: z.int(),
});

const eventCommon = {
  orderId: z.string().check(z.minLength(1)),
  /** 1 for OrderPlaced, then one more per event: the log's sort key. */
  version: z.int().check(z.minimum(1)),
  occurredAt: z.iso.datetime({ offset: true }),
};

/** One event of the log, as it is stored. The projector and the rebuild parse what they read with it. */
export const orderEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...eventCommon,
    type: z.literal('OrderPlaced'),
    data: z.strictObject({
      customerId: z.string().check(z.minLength(1)),
      currency: z.string().check(z.length(3)),
      lines: z.array(pricedLineSchema).check(z.minLength(1)),
      totalCents: z.int().check(z.minimum(0)),
    }),
  }),
  z.strictObject({
    ...eventCommon,
    type: z.literal('OrderPaid'),
    data: z.strictObject({ paymentReference: z.string() }),
  }),
  z.strictObject({
    ...eventCommon,
    type: z.literal('OrderCancelled'),
    data: z.strictObject({ reason: z.string() }),
  }),
]);

export type OrderEvent = z.infer<typeof orderEventSchema>;

/** An event as read back from the log; an item that is not one (written by hand, or by a bug) is a `ValidationError`. */
export function parseLoggedEvent(item: unknown): OrderEvent {
  const result = orderEventSchema.safeParse(item);
  if (!result.success) {
    throw new ValidationError('The log item is not an order event.', fieldErrors(result.error));
  }
  return result.data;
}
export type OrderPlaced = Extract<OrderEvent, { type: 'OrderPlaced' }>;

/** What a command asks for. `at` is when the server received it; it becomes the event's `occurredAt`. */
export type OrderCommand =
  | {
      readonly type: 'PlaceOrder';
      readonly orderId: string;
      readonly order: z.infer<typeof placeOrderSchema>;
      readonly at: Date;
    }
  | {
      readonly type: 'PayOrder';
      readonly orderId: string;
      readonly paymentReference: string;
      readonly expectedVersion?: number;
      readonly at: Date;
    }
  | {
      readonly type: 'CancelOrder';
      readonly orderId: string;
      readonly reason: string;
      readonly expectedVersion?: number;
      readonly at: Date;
    };

/**
 * An order as its events leave it. It is also the order's read model (`GET /cqrs/orders/{orderId}`): the view
 * keeps the whole state, so the projector can apply the next event to the view it reads.
 */
export interface OrderState {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  /** The version of the last event applied. */
  readonly version: number;
  readonly totalCents: number;
  readonly currency: string;
  readonly placedAt: string;
  readonly updatedAt: string;
}

/** The order view is the state, field for field. */
export type OrderView = OrderState;

/** One order of a customer, as the customer summary keeps it (one row per order, keyed customerId + orderId). */
export interface CustomerOrder {
  readonly customerId: string;
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly totalCents: number;
  readonly currency: string;
  readonly version: number;
}

/** `GET /cqrs/customers/{customerId}/summary`. */
export interface CustomerSummary {
  readonly customerId: string;
  /** Orders placed and neither paid nor cancelled. */
  readonly openOrders: number;
  /** Paid cents per currency: orders may be in different currencies, and cents of two currencies do not add up. */
  readonly paidTotals: Readonly<Record<string, number>>;
  /** Every order of the customer, by orderId. */
  readonly orders: readonly Omit<CustomerOrder, 'customerId'>[];
}

/** The validated body of a command, or a `ValidationError` naming every bad field by JSON Pointer. */
export function parseCommandBody<T>(
  schema: z.ZodMiniType<T>,
  body: string | null | undefined,
  what: string,
): T {
  const result = schema.safeParse(parseJsonBody(body, what));
  if (!result.success) {
    throw new ValidationError('The command is invalid.', fieldErrors(result.error));
  }
  return result.data;
}

/** A customer id, when the value has the shape of one; otherwise a `ValidationError`. */
export function requireCustomerId(value: string | undefined): string {
  if (!placeOrderSchema.shape.customerId.safeParse(value).success) {
    throw new ValidationError('The customer id is invalid.', [
      { pointer: '#/customerId', detail: 'A customer id is 1-64 characters of A-Z, a-z, 0-9, _ and -.' },
    ]);
  }
  return value as string;
}

/**
 * The event a command appends to an order whose events fold to `state` (`undefined`: no events yet). Throws
 * `ConcurrentChangeError` when the command names a version that is no longer current, and
 * `InvalidTransitionError` when the state does not allow it: only a PLACED order can be paid or cancelled.
 */
export function decide(state: OrderState | undefined, command: OrderCommand): OrderEvent {
  const occurredAt = command.at.toISOString();
  if (command.type === 'PlaceOrder') {
    if (state) {
      throw new InvalidTransitionError(`Order ${command.orderId} has already been placed.`);
    }
    const lines = command.order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: lineTotalCents(line),
    }));
    return {
      orderId: command.orderId,
      version: 1,
      type: 'OrderPlaced',
      occurredAt,
      data: {
        customerId: command.order.customerId,
        currency: command.order.currency,
        lines,
        totalCents: totalCents(lines),
      },
    };
  }
  if (!state) {
    // Callers answer 404 before deciding; reaching here is a bug, not a client error.
    throw new Error(`Order ${command.orderId} has no events to decide on.`);
  }
  if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
    throw new ConcurrentChangeError(
      `Order ${state.orderId} is at version ${state.version}, not ${command.expectedVersion}: read it again and decide anew.`,
    );
  }
  const verb = command.type === 'PayOrder' ? 'paid' : 'cancelled';
  if (state.status !== 'PLACED') {
    throw new InvalidTransitionError(`Order ${state.orderId} is ${state.status} and cannot be ${verb}.`);
  }
  const common = { orderId: state.orderId, version: state.version + 1, occurredAt };
  return command.type === 'PayOrder'
    ? { ...common, type: 'OrderPaid', data: { paymentReference: command.paymentReference } }
    : { ...common, type: 'OrderCancelled', data: { reason: command.reason } };
}

/**
 * The state after one more event. The event must be the next one (version + 1, OrderPlaced first): anything
 * else means the events are not the order's history, and folding on would build a wrong state.
 */
export function evolve(state: OrderState | undefined, event: OrderEvent): OrderState {
  const expected = (state?.version ?? 0) + 1;
  if (event.version !== expected || (state?.orderId ?? event.orderId) !== event.orderId) {
    throw new Error(
      `Event ${event.orderId} v${event.version} does not follow ${state ? `${state.orderId} v${state.version}` : 'an empty history'}.`,
    );
  }
  if (event.type === 'OrderPlaced') {
    return {
      orderId: event.orderId,
      customerId: event.data.customerId,
      status: 'PLACED',
      version: event.version,
      totalCents: event.data.totalCents,
      currency: event.data.currency,
      placedAt: event.occurredAt,
      updatedAt: event.occurredAt,
    };
  }
  if (!state) {
    throw new Error(`Event ${event.orderId} v${event.version} is ${event.type} before OrderPlaced.`);
  }
  return {
    ...state,
    status: event.type === 'OrderPaid' ? 'PAID' : 'CANCELLED',
    version: event.version,
    updatedAt: event.occurredAt,
  };
}

/** The state of an order from its events, in version order (`undefined` for none). */
export function fold(events: readonly OrderEvent[]): OrderState | undefined {
  return events.reduce<OrderState | undefined>(evolve, undefined);
}

/** The order's row in its customer's summary. */
export function toCustomerOrder(state: OrderState): CustomerOrder {
  return {
    customerId: state.customerId,
    orderId: state.orderId,
    status: state.status,
    totalCents: state.totalCents,
    currency: state.currency,
    version: state.version,
  };
}

/** The view as the API shows it, field by field: one key order, nothing a store adds. */
export function toPublicView(view: OrderView): OrderView {
  return {
    orderId: view.orderId,
    customerId: view.customerId,
    status: view.status,
    version: view.version,
    totalCents: view.totalCents,
    currency: view.currency,
    placedAt: view.placedAt,
    updatedAt: view.updatedAt,
  };
}

/** A customer's summary from the rows of their orders. */
export function summarize(customerId: string, rows: readonly CustomerOrder[]): CustomerSummary {
  const paidTotals: Record<string, number> = {};
  for (const row of rows) {
    if (row.status === 'PAID') {
      paidTotals[row.currency] = (paidTotals[row.currency] ?? 0) + row.totalCents;
    }
  }
  return {
    customerId,
    openOrders: rows.filter((row) => row.status === 'PLACED').length,
    paidTotals,
    orders: [...rows]
      .sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0))
      .map((row) => ({
        orderId: row.orderId,
        status: row.status,
        totalCents: row.totalCents,
        currency: row.currency,
        version: row.version,
      })),
  };
}
