import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { CURRENCY_CODES } from './currencies.ts';
import { AttachmentTooLargeError, OrderConflictError, ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import './zod-locale.ts';

/** Largest attachment the synchronous pattern accepts, decoded: 1 MiB keeps the order in one DynamoDB transaction. */
export const MAX_ATTACHMENT_BYTES = 1_048_576;
/** Lines per order. */
export const MAX_LINES = 100;
/** Units per line. */
export const MAX_QUANTITY = 10_000;
/**
 * Longest attachment name, in UTF-8 bytes, as file systems count it. The queue pattern keeps the attachment at
 * `orders/{orderId}/attachment/{filename}`, and an S3 key is at most 1,024 bytes: 255 code points of 4-byte
 * characters (emoji) would pass the pattern's 255 and make a key S3 refuses, failing the order after its 202.
 */
export const MAX_ATTACHMENT_NAME_BYTES = 255;
/** 100 lines x 10,000 units x 10^9 cents = 10^15, below 2^53 - 1: every line and order total is an exact integer. */
export const MAX_UNIT_PRICE_CENTS = 1_000_000_000;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
// No path separators or control characters, and not "." or "..": a file name, never a path. The `u` flag counts
// 255 characters as code points, as API Gateway's Java regular expressions and Ajv do: edge and code agree.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern refuses.
export const FILENAME_PATTERN = /^(?!\.{1,2}$)[^/\\\u0000-\u001f\u007f]{1,255}$/u;
// type/subtype with RFC 6838 restricted-name characters.
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
// A plain character class: API Gateway validates with Java regular expressions, which recurse on repeated
// groups and overflow their stack on a megabyte-long string. Length and padding are checked in code.
// No maxLength either: the size is a domain rule answered with 413, not a schema violation answered with 400.
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

const orderLineSchema = z.strictObject({
  sku: z.string().check(z.regex(SKU_PATTERN)),
  quantity: z.int().check(z.minimum(1), z.maximum(MAX_QUANTITY)),
  unitPriceCents: z.int().check(z.minimum(0), z.maximum(MAX_UNIT_PRICE_CENTS)),
});

const attachmentSchema = z.strictObject({
  filename: z.string().check(z.regex(FILENAME_PATTERN)),
  contentType: z.string().check(z.regex(MEDIA_TYPE_PATTERN)),
  base64: z.string().check(z.regex(BASE64_PATTERN)),
});

/** A purchase order as the web shop sends it. The one schema behind the code and the API's request validation. */
export const purchaseOrderSchema = z.strictObject({
  /** The client's idempotency key: the same id always means the same order. */
  orderId: z.string().check(z.regex(ID_PATTERN)),
  customerId: z.string().check(z.regex(ID_PATTERN)),
  currency: z.enum(CURRENCY_CODES, {
    error: 'Expected an active ISO 4217 currency code, such as EUR or USD.',
  }),
  lines: z.array(orderLineSchema).check(z.minLength(1), z.maxLength(MAX_LINES)),
  placedAt: z.iso.datetime({ offset: true }),
  attachment: z.optional(attachmentSchema),
});

/** A valid purchase order. */
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;

// Marked pure: the stack reads it, the functions do not, so esbuild drops the conversion (and its init time)
// from their bundles.
/** The order schema as JSON Schema draft 4, the dialect API Gateway models use. */
export const orderJsonSchema = /* @__PURE__ */ z.toJSONSchema(purchaseOrderSchema, { target: 'draft-4' });

/** An order line with its total. */
export interface PricedLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly lineTotalCents: number;
}

/** What is kept of an attachment beside the order (its bytes are stored apart). */
export interface AttachmentSummary {
  readonly filename: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  /** SHA-256 of the decoded bytes, lowercase hex. */
  readonly sha256: string;
}

/** A recorded purchase order. */
export interface RecordedOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly PricedLine[];
  readonly totalCents: number;
  readonly placedAt: string;
  readonly attachment?: AttachmentSummary;
  /** SHA-256 of the canonical order: tells a replay of the same order from another order under the same id. */
  readonly fingerprint: string;
  readonly recordedAt: string;
}

/** An order as clients see it: the record without internal fields. */
export type PublicOrder = Omit<RecordedOrder, 'fingerprint'>;

/** A parsed order and its attachment, decoded once. */
export interface ParsedOrder {
  readonly order: PurchaseOrder;
  readonly attachment?: Buffer;
}

/**
 * Parses and validates a request body into a purchase order; throws `ValidationError`, or `AttachmentTooLargeError`
 * past `maxAttachmentBytes` (each pattern has its own bound, set by what carries the order).
 */
export function parseOrder(
  body: string | null | undefined,
  { maxAttachmentBytes = MAX_ATTACHMENT_BYTES }: { readonly maxAttachmentBytes?: number } = {},
): ParsedOrder {
  const json = parseJsonBody(body, 'a JSON purchase order');
  const result = purchaseOrderSchema.safeParse(json);
  if (!result.success) {
    throw new ValidationError('The purchase order is invalid.', fieldErrors(result.error));
  }
  const order = result.data;
  if (order.attachment && Buffer.byteLength(order.attachment.filename, 'utf8') > MAX_ATTACHMENT_NAME_BYTES) {
    throw new ValidationError('The purchase order is invalid.', [
      { pointer: '#/attachment/filename', detail: `At most ${MAX_ATTACHMENT_NAME_BYTES} bytes in UTF-8.` },
    ]);
  }
  return order.attachment
    ? { order, attachment: decodeAttachment(order.attachment.base64, maxAttachmentBytes) }
    : { order };
}

/** The order id, when the value has the shape of one; otherwise a `ValidationError` (bad input, not "not found"). */
export function requireOrderId(value: string | undefined): string {
  if (value === undefined || !ID_PATTERN.test(value)) {
    throw new ValidationError('The order id is invalid.', [
      { pointer: '#/orderId', detail: 'An order id is 1-64 characters of A-Z, a-z, 0-9, _ and -.' },
    ]);
  }
  return value;
}

/** A line's total in cents: quantity x unit price, exact. */
export function lineTotalCents(line: { readonly quantity: number; readonly unitPriceCents: number }): number {
  return exactCents(line.quantity * line.unitPriceCents);
}

/** An order's total in cents: the sum of its line totals, exact. */
export function totalCents(lines: readonly { readonly lineTotalCents: number }[]): number {
  return exactCents(lines.reduce((sum, line) => sum + line.lineTotalCents, 0));
}

/** Prices an order in integer cents and stamps it as recorded at `recordedAt`. */
export function recordOrder(parsed: ParsedOrder, recordedAt: Date): RecordedOrder {
  const { order, attachment } = parsed;
  const lines = order.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPriceCents: line.unitPriceCents,
    lineTotalCents: lineTotalCents(line),
  }));
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    currency: order.currency,
    lines,
    totalCents: totalCents(lines),
    placedAt: order.placedAt,
    ...(order.attachment && attachment
      ? {
          attachment: {
            filename: order.attachment.filename,
            contentType: order.attachment.contentType,
            sizeBytes: attachment.length,
            sha256: sha256(attachment),
          },
        }
      : {}),
    fingerprint: fingerprintOf(order),
    recordedAt: recordedAt.toISOString(),
  };
}

/**
 * What to answer when the order id is already recorded: the stored record when the incoming order has its
 * fingerprint (a retry), an `OrderConflictError` when it is another order under the same id.
 */
export function decideOnExisting(existing: RecordedOrder, incomingFingerprint: string): RecordedOrder {
  if (existing.fingerprint !== incomingFingerprint) {
    throw new OrderConflictError(existing.orderId);
  }
  return existing;
}

/** The order without internal fields. */
export function toPublicOrder(order: RecordedOrder): PublicOrder {
  // Built field by field: one key order whatever the store returns, and nothing internal leaks.
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    currency: order.currency,
    lines: order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
      lineTotalCents: line.lineTotalCents,
    })),
    totalCents: order.totalCents,
    placedAt: order.placedAt,
    ...(order.attachment
      ? {
          attachment: {
            filename: order.attachment.filename,
            contentType: order.attachment.contentType,
            sizeBytes: order.attachment.sizeBytes,
            sha256: order.attachment.sha256,
          },
        }
      : {}),
    recordedAt: order.recordedAt,
  };
}

/**
 * SHA-256 (hex) of the order's canonical JSON: the schema's key order, no white space, attachment content
 * included. The same order sent with other white space or key order has the same fingerprint.
 */
export function fingerprintOf(order: PurchaseOrder): string {
  // Rebuilt rather than stringified as given: a caller's object may hold its keys in any order.
  const canonical: PurchaseOrder = {
    orderId: order.orderId,
    customerId: order.customerId,
    currency: order.currency,
    lines: order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unitPriceCents,
    })),
    placedAt: order.placedAt,
    ...(order.attachment
      ? {
          attachment: {
            filename: order.attachment.filename,
            contentType: order.attachment.contentType,
            base64: order.attachment.base64,
          },
        }
      : {}),
  };
  return sha256(JSON.stringify(canonical));
}

function decodeAttachment(base64: string, maxBytes: number): Buffer {
  // Standard base64 (RFC 4648 section 4) is padded to a multiple of 4; the schema's pattern already keeps `=` last.
  if (base64.length % 4 !== 0) {
    throw new ValidationError('The purchase order is invalid.', [
      {
        pointer: '#/attachment/base64',
        detail: 'Not standard padded base64: the length must be a multiple of 4.',
      },
    ]);
  }
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  // Size from the length first: an oversize attachment is refused without decoding it.
  const sizeBytes = (base64.length / 4) * 3 - padding;
  if (sizeBytes > maxBytes) {
    throw new AttachmentTooLargeError(sizeBytes, maxBytes);
  }
  return Buffer.from(base64, 'base64');
}

/** The schema bounds keep totals below 2^53; a total past it would be silently rounded, so it is refused. */
function exactCents(cents: number): number {
  if (!Number.isSafeInteger(cents)) {
    throw new RangeError(`${cents} cents is not an exact integer amount.`);
  }
  return cents;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
