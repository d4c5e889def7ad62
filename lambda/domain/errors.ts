/** One thing wrong with the input, located by a JSON Pointer into it (RFC 9457 `errors` member style). */
export interface FieldError {
  /** JSON Pointer as a URI fragment, e.g. `#/lines/0/quantity`; `#` is the whole document. */
  readonly pointer: string;
  readonly detail: string;
}

/** The input does not satisfy the schema or the domain's rules. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly errors: readonly FieldError[],
  ) {
    super(message);
  }
}

/** An attachment larger than the pattern accepts. */
export class AttachmentTooLargeError extends Error {
  override readonly name = 'AttachmentTooLargeError';
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`The attachment is ${sizeBytes} bytes decoded; at most ${maxBytes} bytes are accepted.`);
  }
}

/** A file declared larger than the file drop accepts. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `The file is declared as ${sizeBytes} bytes; at most ${maxBytes} bytes (${maxBytes / 1_048_576} MiB) are accepted.`,
    );
  }
}

/** An order id reused with a different order: the idempotency key does not match its first use. */
export class OrderConflictError extends Error {
  override readonly name = 'OrderConflictError';
  constructor(readonly orderId: string) {
    super(`Order ${orderId} was already recorded with a different body; use a new orderId for a new order.`);
  }
}

/** No order with that id was recorded. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
  constructor(readonly orderId: string) {
    super(`No order ${orderId} has been recorded.`);
  }
}

/** Nothing is recorded under the requested key. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A conditional request whose `If-Match` no longer names the current version: someone changed it first. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
}

/** An update sent without `If-Match`: it could overwrite a change its sender never saw. */
export class PreconditionRequiredError extends Error {
  override readonly name = 'PreconditionRequiredError';
}

/** A command that lost a race: another command changed the same aggregate first. Retrying may succeed. */
export class ConcurrentChangeError extends Error {
  override readonly name = 'ConcurrentChangeError';
}

/** A command the aggregate's current state does not allow, such as paying a cancelled order. */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
}

/** An `Idempotency-Key` sent again with another body: a retry must repeat its first request exactly. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(readonly key: string) {
    super(
      `Idempotency-Key ${key} was first used with another body: send the same body to retry, or a new key for a new request.`,
    );
  }
}

/** An `Idempotency-Key` whose first request is still running. */
export class IdempotencyKeyInUseError extends Error {
  override readonly name = 'IdempotencyKeyInUseError';
  constructor(readonly key: string) {
    super(`A request with Idempotency-Key ${key} is still running: retry in a moment for its answer.`);
  }
}
