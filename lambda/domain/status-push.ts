import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from './errors.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import './zod-locale.ts';

/** The patterns whose status changes are pushed, and the key attribute of the item that holds each status. */
export const STATUS_SOURCES = {
  /** Message queue: `GET /queue/orders/{orderId}` (QUEUED, PROCESSING, DONE, FAILED). */
  queue: 'orderId',
  /** File drop: `GET /files/{fileId}` (AWAITING_UPLOAD, PROCESSED, REJECTED); the id pushed is the file id. */
  file: 'fileId',
  /** CQRS: `GET /cqrs/orders/{orderId}` (PLACED, PAID, CANCELLED). */
  cqrs: 'orderId',
} as const;
export type StatusSource = keyof typeof STATUS_SOURCES;

/** What a subscribed client receives when the status of what it follows changes. */
export interface StatusMessage {
  readonly type: 'status';
  readonly pattern: StatusSource;
  /** The id the client subscribed to: an order id, or a file id for the file drop. */
  readonly orderId: string;
  readonly status: string;
  /** When the status was reached, as the pattern recorded it. */
  readonly at: string;
}

/** Whether an item is one of the pattern's status items: its id and its status are strings. */
export function isStatusItem(pattern: StatusSource, image: Readonly<Record<string, unknown>>): boolean {
  return typeof image[STATUS_SOURCES[pattern]] === 'string' && typeof image.status === 'string';
}

/**
 * The message for a change of a status item, from its images before and after (plain objects); `undefined` when
 * the status did not change (an update of another attribute) or the item was deleted.
 */
export function statusChange(
  pattern: StatusSource,
  oldImage: Readonly<Record<string, unknown>> | undefined,
  newImage: Readonly<Record<string, unknown>> | undefined,
): StatusMessage | undefined {
  if (newImage === undefined || !isStatusItem(pattern, newImage) || oldImage?.status === newImage.status) {
    return undefined;
  }
  const id = newImage[STATUS_SOURCES[pattern]] as string;
  const status = newImage.status as string;
  const at = [newImage.updatedAt, newImage.processedAt, newImage.createdAt].find(
    (value): value is string => typeof value === 'string',
  );
  return { type: 'status', pattern, orderId: id, status, at: at ?? new Date(0).toISOString() };
}

/** How long a connection ticket can be redeemed: long enough to open a socket, too short to be worth stealing. */
export const TICKET_TTL_SECONDS = 60;
/** API Gateway closes WebSocket connections after 2 hours; their records expire then too. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;
/** Orders one connection may follow. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** A new single-use ticket (256 random bits, base64url) and the hash it is stored under. */
export function newTicket(): { readonly ticket: string; readonly ticketHash: string } {
  const ticket = randomBytes(32).toString('base64url');
  return { ticket, ticketHash: ticketHash(ticket) };
}

/** Tickets are stored hashed: a read of the table does not yield a usable ticket. */
export function ticketHash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

/** A ticket has this shape; anything else is refused without a lookup. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

// A ticket request has nothing to say: the server picks the ticket, its lifetime and the URL.
const ticketRequestSchema = z.strictObject({});

/**
 * Checks the body of `POST /push/tickets`: none, or `{}`. Anything else (a ticket or lifetime of the client's
 * choosing, a malformed body) is a `ValidationError`, so a request that meant something else gets no ticket.
 */
export function checkTicketRequest(body: string | null): void {
  if (body === null || body.trim() === '') {
    return;
  }
  const result = ticketRequestSchema.safeParse(parseJsonBody(body, 'no body, or {}'));
  if (!result.success) {
    throw new ValidationError('A ticket request has no fields.', fieldErrors(result.error));
  }
}

const subscribeSchema = z.strictObject({
  action: z.literal('subscribe'),
  orderId: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'An id is 1-64 characters of A-Z, a-z, 0-9, _ and -.')),
});

/** Parses `{"action":"subscribe","orderId":"..."}`; throws `ValidationError`. */
export function parseSubscribe(body: string | null | undefined): { readonly orderId: string } {
  const result = subscribeSchema.safeParse(parseJsonBody(body, 'a JSON subscribe message'));
  if (!result.success) {
    throw new ValidationError('The subscribe message is invalid.', fieldErrors(result.error));
  }
  return { orderId: result.data.orderId };
}

/** What the socket answers to a message: an acknowledgement or a problem, never silence. */
export type Reply =
  | { readonly type: 'subscribed'; readonly orderId: string }
  | { readonly type: 'error'; readonly title: string; readonly detail: string };
