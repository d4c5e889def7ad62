// Lambda's documented limits that the local cloud enforces as Lambda does, in one place.

/** Synchronous invocation request payload limit: 6 MB. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

/** The init phase's own limit; past it Lambda retries init within the invocation's timeout. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html */
export const INIT_PHASE_LIMIT_MS = 10_000;

/**
 * Synchronous response payload limit. Lambda's own check lets 100 bytes more through than the quota page's 6 MB,
 * as its error message says: "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_SYNC_RESPONSE_BYTES = 6_291_556;

/**
 * The largest event an asynchronous invocation takes: 1 MB (it was 256 KB before October 2025).
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
