import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  APIGatewayProxyEvent,
  AttributeValue,
  DynamoDBStreamEvent,
  S3Event,
  SQSRecord,
} from 'aws-lambda';

/** What a test may set on a REST API proxy event; everything else is a realistic default. */
export interface RestApiEventOverrides {
  /** HTTP method. @default 'POST' */
  method?: string;
  /** The matched resource template. @default the path with each path parameter's value replaced by `{name}` */
  resource?: string;
  /** The request path, without the stage. @default '/sync/orders' */
  path?: string;
  body?: string | null;
  /** Added to (or replacing) the default headers, as the client spelled them. */
  headers?: Record<string, string>;
  /** Query string parameters; API Gateway also passes them as lists in `multiValueQueryStringParameters`. */
  query?: Record<string, string> | null;
  pathParameters?: Record<string, string> | null;
  isBase64Encoded?: boolean;
}

/**
 * A REST API Lambda proxy event (payload format 1.0), shaped like the sample in AWS's documentation:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
 */
export function restApiEvent(overrides: RestApiEventOverrides = {}): APIGatewayProxyEvent {
  const method = overrides.method ?? 'POST';
  const path = overrides.path ?? '/sync/orders';
  const pathParameters = overrides.pathParameters ?? null;
  const resource = overrides.resource ?? resourceOf(path, pathParameters);
  const headers = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'web-shop/1.0',
    'X-Amzn-Trace-Id': 'Root=1-6b02c0a4-0123456789abcdef01234567',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    'x-api-key': 'test-api-key-value',
    ...overrides.headers,
  };
  const query = overrides.query ?? null;
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: listsOf(headers),
    queryStringParameters: query,
    multiValueQueryStringParameters: query && listsOf(query),
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer: null,
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      extendedRequestId: 'BQGojGJ2joEFXyw=',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: 'test-api-key-value',
        apiKeyId: 'k1k2k3k4k5',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'web-shop/1.0',
        userArn: null,
      },
      // With the stage: what the client called on the execute-api host.
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '22/Nov/2026:10:15:00 +0000',
      requestTimeEpoch: 1_795_342_500_000,
      resourceId: 'r1r2r3',
      resourcePath: resource,
      stage: 'prod',
    },
    body: overrides.body === undefined ? null : overrides.body,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
  };
}

/** `/sync/orders/order-7` with `{ orderId: 'order-7' }` is the resource `/sync/orders/{orderId}`. */
function resourceOf(path: string, pathParameters: Record<string, string> | null): string {
  const names = new Map(Object.entries(pathParameters ?? {}).map(([name, value]) => [value, name]));
  return path
    .split('/')
    .map((segment) => {
      const name = names.get(decodeURIComponent(segment));
      return name === undefined ? segment : `{${name}}`;
    })
    .join('/');
}

function listsOf(values: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value]]));
}

/**
 * An S3 `ObjectCreated:Put` notification with one record per key, shaped like AWS's sample (event version 2.1).
 * Keys are passed as S3 sends them: URL-encoded the way HTML forms are (`a b+c` arrives as `a+b%2Bc`).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function s3Event(bucket: string, encodedKeys: readonly string[], size = 1024): S3Event {
  return {
    Records: encodedKeys.map((key, index) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-22T10:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLEROLEID:upload' },
      requestParameters: { sourceIPAddress: '203.0.113.10' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'incoming-uploads',
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key,
          size,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          sequencer: `0055AED6DCD9028${index}E5`,
        },
      },
    })),
  };
}

/** One change for `dynamoDbStreamEvent`: the item before and after (plain objects), in stream order. */
export interface ItemChange {
  readonly keys: Readonly<Record<string, unknown>>;
  readonly oldImage?: Readonly<Record<string, unknown>>;
  readonly newImage?: Readonly<Record<string, unknown>>;
}

/**
 * A DynamoDB Streams event as Lambda delivers it (NEW_AND_OLD_IMAGES), images in DynamoDB JSON:
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-ddb-batchfailurereporting
 */
export function dynamoDbStreamEvent(changes: readonly ItemChange[]): DynamoDBStreamEvent {
  const image = (item: Readonly<Record<string, unknown>> | undefined) =>
    item && (marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>);
  return {
    Records: changes.map((change, index) => {
      const sequenceNumber = String(4_000_000_000_000_000_000n + BigInt(index));
      return {
        eventID: `event-${index}`,
        eventName:
          change.oldImage === undefined ? 'INSERT' : change.newImage === undefined ? 'REMOVE' : 'MODIFY',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        eventSourceARN:
          'arn:aws:dynamodb:eu-west-1:123456789012:table/SharedOrders/stream/2026-11-22T00:00:00.000',
        dynamodb: {
          ApproximateCreationDateTime: 1_795_000_000 + index,
          Keys: image(change.keys),
          NewImage: image(change.newImage),
          OldImage: image(change.oldImage),
          SequenceNumber: sequenceNumber,
          SizeBytes: 100,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      };
    }),
  };
}

/** An SQS record as Lambda's SQS event source delivers it, on its `receiveCount`th receive. */
export function sqsRecord(body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    receiptHandle: `rh-${receiveCount}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
    awsRegion: 'us-east-1',
  };
}
