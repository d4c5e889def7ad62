import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB API call as it went over the wire (JSON 1.0 protocol). */
export interface WireCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export interface WireAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A DynamoDB client whose HTTP handler answers from a script instead of the network: the store under test runs
 * the real SDK (marshalling, error classes) and the test sees the exact requests DynamoDB would get.
 */
export function scriptedDynamoDb(...answers: WireAnswer[]): { client: DynamoDBClient; calls: WireCall[] } {
  const calls: WireCall[] = [];
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: 'http://dynamodb.test',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        calls.push({
          operation: String(request.headers['x-amz-target']).replace('DynamoDB_20120810.', ''),
          input: JSON.parse(
            request.body instanceof Uint8Array
              ? new TextDecoder().decode(request.body)
              : String(request.body),
          ),
        });
        const answer = answers.shift() ?? { status: 200, body: {} };
        return {
          response: {
            statusCode: answer.status,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Buffer.from(JSON.stringify(answer.body)),
          },
        };
      },
    },
  });
  return { client, calls };
}
