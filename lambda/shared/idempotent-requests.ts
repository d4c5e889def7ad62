import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, ValidationError } from '../domain/errors.ts';
import { bodyText, header, withHeaders } from './http.ts';

/** The request header a client names a retryable request with. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** How long a key is remembered, and its first answer replayed. */
export const IDEMPOTENCY_KEY_SECONDS = 24 * 60 * 60;

/** What a key may be: 1 to 255 visible ASCII characters (a UUID, say). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** What is remembered under a key: who sent it, the key, and the body the first request carried. */
interface KeyedRequest {
  readonly key: string;
  readonly body: unknown;
}

/**
 * Runs a request that creates a server-named resource at most once per `Idempotency-Key`, with Powertools'
 * idempotency utility: the first request's answer is stored under the key (with its caller's API key id, so two
 * callers' keys never meet) for 24 hours, and a retry with the same key and body gets that answer again, marked
 * `Idempotent-Replayed: true`. The same key with another body answers 409; so does a retry that arrives while the
 * first request is still running. A request without the header runs as before. A run that fails (throws) is not
 * remembered, so its retry runs again.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/
 */
export class IdempotentRequests {
  /** Keys kept in a DynamoDB table laid out as Powertools' DynamoDB layer expects (`lib/platform/data-table.ts`). */
  static inTable(tableName: string, client: DynamoDBClient): IdempotentRequests {
    return new IdempotentRequests(new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }));
  }

  private readonly config: IdempotencyConfig;
  private readonly runOnce: (
    request: KeyedRequest,
    run: () => Promise<APIGatewayProxyResult>,
  ) => Promise<APIGatewayProxyResult>;

  constructor(persistenceStore: BasePersistenceLayer) {
    this.config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: IDEMPOTENCY_KEY_SECONDS,
      // A replayed answer says so (the stored answer is the JSON the first run returned).
      responseHook: (response) => {
        const replayed = response as unknown as APIGatewayProxyResult;
        return withHeaders(replayed, { 'Idempotent-Replayed': 'true' }) as unknown as typeof response;
      },
    });
    this.runOnce = makeIdempotent(
      async (_request: KeyedRequest, run: () => Promise<APIGatewayProxyResult>) => run(),
      { persistenceStore, config: this.config },
    );
  }

  /** Runs `run` for `event`, once per idempotency key when the request carries one. */
  async handle(
    event: APIGatewayProxyEvent,
    context: Context | undefined,
    run: () => Promise<APIGatewayProxyResult>,
  ): Promise<APIGatewayProxyResult> {
    const key = header(event, IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) {
      return run();
    }
    if (!KEY_PATTERN.test(key)) {
      throw new ValidationError(`${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 visible ASCII characters.`, [
        { pointer: '#', detail: `header ${IDEMPOTENCY_KEY_HEADER} is not 1 to 255 visible ASCII characters` },
      ]);
    }
    if (context) {
      // A run cut off by the function's timeout leaves its key "in progress" only until then.
      this.config.registerLambdaContext(context);
    }
    const caller = event.requestContext.identity?.apiKeyId ?? 'anonymous';
    try {
      return await this.runOnce({ key: `${caller}:${key}`, body: parsedBody(bodyText(event)) }, run);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReusedError(key);
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new IdempotencyKeyInUseError(key);
      }
      throw error;
    }
  }
}

/** The body as compared between a key's requests: its JSON value (key order and spacing aside), or its text. */
function parsedBody(body: string | null): unknown {
  if (body === null) {
    return null;
  }
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
