import * as z from 'zod/mini';
import { PreconditionRequiredError, ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import { lineTotalCents, purchaseOrderSchema, totalCents } from './order.ts';
import './zod-locale.ts';

/**
 * Pattern 5, shared database: one DynamoDB item per order, written by two applications. Each owns some of its
 * attributes; IAM lets each application write only its own (plus the key and the version), so these lists are
 * both the contract between the two teams and the source of the IAM policy.
 */

/** Attributes every writer names: the key, and the version that makes every write conditional. */
export const SHARED_ATTRIBUTES = ['orderId', 'version'] as const;
/** Attributes only the web shop's orders application writes. */
export const ORDERS_APP_ATTRIBUTES = [
  'customerId',
  'currency',
  'lines',
  'totalCents',
  'createdAt',
  'orderUpdatedAt',
] as const;
/** Attributes only the accounting application writes. */
export const ACCOUNTING_APP_ATTRIBUTES = [
  'invoiceNumber',
  'invoiceStatus',
  'invoiceAmountCents',
  'invoiceDueOn',
  'invoiceUpdatedAt',
] as const;

/** The two applications sharing the table. */
export type SharingApp = 'orders' | 'accounting';

const OWNERS: ReadonlyMap<string, SharingApp> = new Map([
  ...ORDERS_APP_ATTRIBUTES.map((name) => [name, 'orders'] as const),
  ...ACCOUNTING_APP_ATTRIBUTES.map((name) => [name, 'accounting'] as const),
]);

/** The fields the orders application sets with `PUT /shared/orders/{orderId}`. */
export const sharedOrderSchema = z.pick(purchaseOrderSchema, {
  customerId: true,
  currency: true,
  lines: true,
});
export type SharedOrderInput = z.infer<typeof sharedOrderSchema>;

/** The invoice the accounting application sets with `PATCH /shared/orders/{orderId}/invoice`. */
export const invoiceSchema = z.strictObject({
  invoiceNumber: z.string().check(z.regex(/^[A-Za-z0-9-]{1,32}$/)),
  status: z.enum(['ISSUED', 'PAID', 'VOID']),
  amountCents: z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  dueOn: z.iso.date(),
});
export type InvoiceInput = z.infer<typeof invoiceSchema>;

// Marked pure, as in order.ts: the functions' bundles drop it.
/** Both bodies as JSON Schema draft 4, for API Gateway's request validation. */
export const sharedOrderJsonSchema = /* @__PURE__ */ z.toJSONSchema(sharedOrderSchema, { target: 'draft-4' });
export const invoiceJsonSchema = /* @__PURE__ */ z.toJSONSchema(invoiceSchema, { target: 'draft-4' });

/** The order fields as stored: priced lines and their total. */
export interface OrderFields {
  readonly customerId: string;
  readonly currency: string;
  readonly lines: ReadonlyArray<{
    readonly sku: string;
    readonly quantity: number;
    readonly unitPriceCents: number;
    readonly lineTotalCents: number;
  }>;
  readonly totalCents: number;
}

/** The invoice fields as stored. */
export interface InvoiceFields {
  readonly invoiceNumber: string;
  readonly invoiceStatus: InvoiceInput['status'];
  readonly invoiceAmountCents: number;
  readonly invoiceDueOn: string;
}

/** The shared item as clients see it. */
export interface SharedOrder {
  readonly orderId: string;
  readonly version: number;
  readonly order: OrderFields & { readonly createdAt: string; readonly updatedAt: string };
  readonly invoice: (InvoiceInput & { readonly updatedAt: string }) | null;
}

/** The invoice as clients send and see it: the names of the request body, not the table's. */
export function invoiceView(fields: InvoiceFields): InvoiceInput {
  return {
    invoiceNumber: fields.invoiceNumber,
    status: fields.invoiceStatus,
    amountCents: fields.invoiceAmountCents,
    dueOn: fields.invoiceDueOn,
  };
}

/** Parses the orders application's body into priced order fields; throws `ValidationError`. */
export function parseOrderFields(body: string | null | undefined): OrderFields {
  const result = sharedOrderSchema.safeParse(parseJsonBody(body, 'the order as JSON'));
  if (!result.success) {
    throw new ValidationError('The order is invalid.', fieldErrors(result.error));
  }
  const lines = result.data.lines.map((line) => ({ ...line, lineTotalCents: lineTotalCents(line) }));
  return {
    customerId: result.data.customerId,
    currency: result.data.currency,
    lines,
    totalCents: totalCents(lines),
  };
}

/** Parses the accounting application's body into invoice fields; throws `ValidationError`. */
export function parseInvoiceFields(body: string | null | undefined): InvoiceFields {
  const result = invoiceSchema.safeParse(parseJsonBody(body, 'the invoice as JSON'));
  if (!result.success) {
    throw new ValidationError('The invoice is invalid.', fieldErrors(result.error));
  }
  return {
    invoiceNumber: result.data.invoiceNumber,
    invoiceStatus: result.data.status,
    invoiceAmountCents: result.data.amountCents,
    invoiceDueOn: result.data.dueOn,
  };
}

/** The strong entity tag of a version (RFC 9110 section 8.8.3): `"7"`. */
export function entityTag(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an `If-Match` header accepts, for an update: a list of entity tags (RFC 9110 section 13.1.1),
 * compared strongly, so weak tags (`W/"7"`) and tags this API never issued match nothing and the update gets
 * `412`. A missing header, or `*` (which would match whatever version is there and so allow a lost update), is a
 * `PreconditionRequiredError` (`428`, RFC 6585).
 */
export function versionsFromIfMatch(ifMatch: string | undefined): number[] {
  const value = ifMatch?.trim() ?? '';
  if (value === '') {
    throw new PreconditionRequiredError(
      'Updating an existing order needs If-Match with the ETag of the version you read (GET the order first).',
    );
  }
  if (value === '*') {
    throw new PreconditionRequiredError(
      'If-Match: * would overwrite whatever version is there; send the ETag of the version you read.',
    );
  }
  const versions = new Set<number>();
  for (const tag of value.match(/(?:W\/)?"[^"]*"/g) ?? []) {
    const version = /^"([1-9][0-9]{0,14})"$/.exec(tag)?.[1];
    if (version !== undefined) {
      versions.add(Number(version));
    }
  }
  // DynamoDB's IN takes at most 100 operands; nobody holds a hundred versions of one order.
  return [...versions].slice(0, 100);
}

/** Whether an `If-None-Match` header names the current version (a `304` for a GET). */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, version: number): boolean {
  const value = ifNoneMatch?.trim() ?? '';
  if (value === '*') {
    return true;
  }
  // GET compares weakly (RFC 9110 section 13.1.2): W/"7" names version 7 too.
  return (value.match(/(?:W\/)?"[^"]*"/g) ?? []).some(
    (tag) => tag.replace(/^W\//, '') === entityTag(version),
  );
}

/** One change to a shared order, as its change feed shows it. */
export interface OrderChange {
  readonly orderId: string;
  readonly version: number;
  /** Which application made it: read from which attributes changed, since each can write only its own. */
  readonly app: SharingApp | 'unknown';
  readonly change: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Top-level attributes whose value changed (the version and timestamps aside), sorted. */
  readonly attributes: readonly string[];
  readonly at: string;
}

const BOOKKEEPING = new Set<string>(['version', 'createdAt', 'orderUpdatedAt', 'invoiceUpdatedAt']);

/**
 * The change between two images of an order item (either may be missing: an insert has no old image, a remove
 * no new one). `at` falls back to the stream record's time when the writer's timestamp is not there.
 */
export function changeBetween(
  oldImage: Readonly<Record<string, unknown>> | undefined,
  newImage: Readonly<Record<string, unknown>> | undefined,
  recordedAt: string,
): OrderChange {
  const before = oldImage ?? {};
  const after = newImage ?? {};
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const attributes = [...names]
    .filter((name) => !BOOKKEEPING.has(name) && name !== 'orderId')
    .filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]))
    .sort();
  // Which timestamps moved tells the writer as well, for a write that changed no value (same order sent again).
  const writers = new Set(
    [
      ...attributes,
      ...['orderUpdatedAt', 'invoiceUpdatedAt'].filter(
        (name) => before[name] !== after[name] && name in after,
      ),
    ].map((name) => OWNERS.get(name)),
  );
  const app = writers.size === 1 ? ([...writers][0] ?? 'unknown') : 'unknown';
  const change = newImage === undefined ? 'REMOVE' : oldImage === undefined ? 'INSERT' : 'MODIFY';
  // Every write through either application sets the next version; an item without one was written around them
  // (by hand, or by another program), and its change cannot be placed in the history.
  const oldVersion = oldImage === undefined ? 0 : before.version;
  const version = change === 'REMOVE' && isVersion(oldVersion) ? oldVersion + 1 : after.version;
  if (
    !(oldImage === undefined || isVersion(oldVersion)) ||
    !isVersion(version) ||
    version <= (oldVersion as number)
  ) {
    throw new ValidationError('The change does not move the order to a next version.', [
      {
        pointer: '#/version',
        detail: `Expected an integer above ${JSON.stringify(oldVersion ?? null)}; got ${JSON.stringify(version ?? null)}.`,
      },
    ]);
  }
  const at =
    (app === 'orders' ? after.orderUpdatedAt : app === 'accounting' ? after.invoiceUpdatedAt : undefined) ??
    recordedAt;
  return {
    orderId: String(after.orderId ?? before.orderId ?? ''),
    version,
    app: change === 'REMOVE' ? 'unknown' : app,
    change,
    attributes,
    at: String(at),
  };
}

/** The order's total and currency, as an inbox task shows them; an item without them is a `ValidationError`. */
export function orderTotalOf(image: Readonly<Record<string, unknown>>): {
  readonly totalCents: number;
  readonly currency: string;
} {
  const { totalCents, currency } = image;
  if (!Number.isSafeInteger(totalCents) || typeof currency !== 'string') {
    throw new ValidationError('The order has no total.', [
      { pointer: '#/totalCents', detail: 'Expected an integer number of cents, with a currency.' },
    ]);
  }
  return { totalCents: totalCents as number, currency };
}

/** A version as writes set it: 1 for a new order, then one more per write. */
function isVersion(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/** Why the accounting application must look at an order again, or `undefined` when it need not. */
export type InboxReason = 'NEW_ORDER' | 'ORDER_CHANGED' | 'INVOICE_OUTDATED';

/**
 * What a change means to accounting: a new order to invoice, a changed order not yet invoiced, or an invoice
 * whose amount no longer matches the order. Accounting's own writes and removals need nothing.
 */
export function inboxReason(
  change: OrderChange,
  newImage: Readonly<Record<string, unknown>> | undefined,
): InboxReason | undefined {
  if (change.app !== 'orders' || newImage === undefined) {
    return undefined;
  }
  if (change.change === 'INSERT') {
    return 'NEW_ORDER';
  }
  const invoiced = newImage.invoiceStatus !== undefined && newImage.invoiceStatus !== 'VOID';
  if (invoiced && change.attributes.includes('totalCents')) {
    return newImage.invoiceAmountCents === newImage.totalCents ? 'ORDER_CHANGED' : 'INVOICE_OUTDATED';
  }
  return change.attributes.length > 0 ? 'ORDER_CHANGED' : undefined;
}
