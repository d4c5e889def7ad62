import { NormalizedSchema } from '@smithy/core/schema';

/**
 * The shapes `Custom::AWS` (CDK's AwsCustomResource) gives a call's parameters and response, following its handler
 * (aws-cdk's `custom-resource-handlers/lib/custom-resources/aws-custom-resource-handler` and the sdk-v2-to-v3
 * adapter it uses). https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources.AwsCustomResource.html
 */

/** What `Fn::GetAtt` can read: each leaf of the response by its dotted path (`Item.id.S`, `Messages.0.Body`). */
export type FlatResponse = Record<string, unknown>;

/**
 * A service as the call names it (v2 `DynamoDB`, v3 `@aws-sdk/client-dynamodb` or `dynamodb`) as the v3 package's
 * suffix. The v2 names of the services the local cloud runs are their v3 names in lower case, but for one.
 */
export function normalizeServiceName(service: string): string {
  const name = service.toLowerCase().replace(/^@aws-sdk\/client-/, '');
  return name === 'dynamodbstreams' ? 'dynamodb-streams' : name;
}

/** An action as the call names it (v2 `putItem`, v3 `PutItem` or `PutItemCommand`) as the v3 command's stem. */
export function normalizeActionName(action: string): string {
  const first = action.charAt(0);
  if (first === first.toLowerCase()) {
    return first.toUpperCase() + action.slice(1);
  }
  return action.replace(/Command$/, '');
}

/**
 * Gives JSON parameters the types the operation's input expects, as the handler's type coercion does: a string
 * (or number) where a blob goes becomes its UTF-8 bytes, a numeric string where a number goes a number, a date
 * string or epoch where a timestamp goes a Date. Everything else is left as it is. The input shape is read from
 * the command's own schema (the SDK's model), where the handler reads a table generated from the same models.
 */
export function coerceParameters(inputSchema: unknown, parameters: unknown): unknown {
  return coerce(NormalizedSchema.of(inputSchema as Parameters<typeof NormalizedSchema.of>[0]), parameters);
}

function coerce(schema: NormalizedSchema, value: unknown): unknown {
  if (schema.isBlobSchema()) {
    return typeof value === 'string' || typeof value === 'number'
      ? new TextEncoder().encode(String(value))
      : value;
  }
  if (schema.isNumericSchema()) {
    return typeof value === 'string' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  if (schema.isTimestampSchema()) {
    if (typeof value === 'string' || typeof value === 'number') {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    return value;
  }
  if (Array.isArray(value)) {
    return schema.isListSchema() ? value.map((item) => coerce(schema.getValueSchema(), item)) : value;
  }
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (schema.isMapSchema()) {
      const values = schema.getValueSchema();
      return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, coerce(values, item)]));
    }
    if (schema.isStructSchema()) {
      const result: Record<string, unknown> = { ...object };
      for (const [name, member] of schema.structIterator()) {
        if (name in result) {
          result[name] = coerce(member, result[name]);
        }
      }
      return result;
    }
  }
  return value;
}

/** The response with its blobs and streams as UTF-8 strings, as the handler hands it on (`$metadata` dropped). */
export async function responseAsText(response: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { $metadata: _, ...rest } = response;
  return (await asText(rest)) as Record<string, unknown>;
}

async function asText(value: unknown): Promise<unknown> {
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { transformToString?: unknown }).transformToString === 'function'
  ) {
    return (value as { transformToString(): Promise<string> }).transformToString();
  }
  if (value instanceof Uint8Array) {
    return new TextDecoder().decode(value);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      items.push(await asText(item));
    }
    return items;
  }
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries: Array<[string, unknown]> = [];
    for (const [key, item] of Object.entries(value)) {
      entries.push([key, await asText(item)]);
    }
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Every leaf of the response by its path, keys and list indexes joined with `.`, as the handler flattens it. As
 * there, an object with no enumerable keys (an empty list or map, a Date) leaves no entry.
 */
export function flattenResponse(response: unknown): FlatResponse {
  const flat: FlatResponse = {};
  const visit = (value: unknown, path: readonly string[]): void => {
    if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        visit(item, [...path, key]);
      }
      return;
    }
    flat[path.join('.')] = value;
  };
  visit(response, []);
  return flat;
}

/** The entries whose path starts with one of `outputPaths` (all of them without), as `outputPaths` filters. */
export function selectOutputs(flat: FlatResponse, outputPaths: readonly string[] | undefined): FlatResponse {
  if (!outputPaths) {
    return flat;
  }
  return Object.fromEntries(
    Object.entries(flat).filter(([path]) => outputPaths.some((prefix) => path.startsWith(prefix))),
  );
}
