import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * A REST API Lambda proxy event (payload format 1.0), shaped like the sample in AWS's documentation:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
export function restApiEvent(
  overrides: {
    method?: string;
    resource?: string;
    path?: string;
    body?: string | null;
    headers?: Record<string, string>;
    pathParameters?: Record<string, string> | null;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEvent {
  const path = overrides.path ?? '/sync/orders';
  const headers = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'web-shop/1.0',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    'x-api-key': 'test-api-key-value',
    ...overrides.headers,
  };
  return {
    resource: overrides.resource ?? '/sync/orders',
    path,
    httpMethod: overrides.method ?? 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: overrides.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer: undefined,
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      httpMethod: overrides.method ?? 'POST',
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
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '22/Nov/2026:10:15:00 +0000',
      requestTimeEpoch: 1_795_256_100_000,
      resourceId: 'r1r2r3',
      resourcePath: overrides.resource ?? '/sync/orders',
      stage: 'prod',
    },
    body: overrides.body === undefined ? null : overrides.body,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
  };
}
