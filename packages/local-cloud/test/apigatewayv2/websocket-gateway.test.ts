import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../../../../test/helpers/eventually.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/account.ts';
import { type RestApiServer, startRestApiServer } from '../../src/apigateway/rest-api-server.ts';
import { webSocketApiProviders } from '../../src/apigatewayv2/providers.ts';
import { buildWebSocketApis, selectRoute } from '../../src/apigatewayv2/websocket-api-model.ts';
import { policyAllows, WebSocketGateway } from '../../src/apigatewayv2/websocket-gateway.ts';
import { deployStack } from '../../src/cloudformation/deploy.ts';
import type { CfnTemplate, DeployedStack } from '../../src/cloudformation/types.ts';
import type { FunctionInvoker, InvokeOutcome } from '../../src/lambda/types.ts';
import { SERVICES } from '../../src/services.ts';

/** An event the gateway sent a function: what the tests read of it. */
interface GatewayEvent {
  readonly methodArn?: string;
  readonly body?: string;
  readonly requestContext: {
    readonly routeKey: string;
    readonly eventType: string;
    readonly connectionId: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** Invocations by function name, answered by the test's script. */
interface Invocation {
  readonly functionName: string;
  readonly event: GatewayEvent;
}

const invocations: Invocation[] = [];
let answer: (functionName: string, event: GatewayEvent) => unknown = () => ({ statusCode: 200 });
const invoker: FunctionInvoker = {
  async invoke(functionArn: string, payload: string): Promise<InvokeOutcome> {
    const functionName = functionArn.split(':').at(-1) ?? '';
    const event = JSON.parse(payload);
    invocations.push({ functionName, event });
    const result = answer(functionName, event);
    if (result instanceof Error) {
      return {
        status: 'function-error',
        errorType: 'Error',
        payload: JSON.stringify({ errorType: 'Error', errorMessage: result.message }),
        durationMs: 1,
      };
    }
    return { status: 'succeeded', payload: JSON.stringify(result ?? null), durationMs: 1 };
  },
};

let deployed: DeployedStack;
let server: RestApiServer;
let apiId: string;
let stageUrl: string;
let connections: ApiGatewayManagementApiClient;

const allow = (event: GatewayEvent, effect = 'Allow') => ({
  principalId: 'ticket-holder',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
  },
  context: { tenant: 'shop' },
});

beforeAll(async () => {
  const stack = new Stack(new App(), 'Sockets', { env: { account: LOCAL_ACCOUNT_ID, region: LOCAL_REGION } });
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      functionName: id,
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
  const routes = fn('Routes');
  const api = new WebSocketApi(stack, 'Api', {
    connectRouteOptions: {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', routes),
      authorizer: new WebSocketLambdaAuthorizer('Authorizer', fn('Authorize'), {
        identitySource: ['route.request.querystring.ticket'],
      }),
    },
    disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('DisconnectIntegration', routes) },
    defaultRouteOptions: {
      integration: new WebSocketLambdaIntegration('DefaultIntegration', routes),
      returnResponse: true,
    },
  });
  api.addRoute('subscribe', {
    integration: new WebSocketLambdaIntegration('SubscribeIntegration', routes),
    returnResponse: true,
  });
  api.addRoute('oneway', { integration: new WebSocketLambdaIntegration('OneWayIntegration', routes) });
  new WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'prod', autoDeploy: true });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const functionProvider = {
    async create(request: { properties: Record<string, unknown>; region: string; accountId: string }) {
      const name = String(request.properties.FunctionName);
      return {
        physicalId: name,
        attributes: { Arn: `arn:aws:lambda:${request.region}:${request.accountId}:function:${name}` },
      };
    },
  };
  deployed = await deployStack({
    stackName: 'Sockets',
    template,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    providers: { ...webSocketApiProviders(), 'AWS::Lambda::Function': functionProvider },
    ignoredTypes: SERVICES.ignoredTypes,
  });
  apiId = deployed.resources.get(stack.getLogicalId(api.node.defaultChild as CfnElement))?.physicalId ?? '';
  const apis = buildWebSocketApis(deployed);
  server = await startRestApiServer({
    stack: deployed,
    invoker,
    port: 0,
    webSockets: new WebSocketGateway({ apis, invoker, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID }),
  });
  stageUrl = `ws://127.0.0.1:${server.port}/${apiId}/prod`;
  connections = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${server.port}/${apiId}/prod`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});

afterAll(async () => {
  connections?.destroy();
  await server?.close();
});

beforeEach(() => {
  invocations.length = 0;
  answer = (functionName, event) => (functionName === 'Authorize' ? allow(event) : { statusCode: 200 });
});

/** Whether an invocation is the `$disconnect` of that connection (others may still be closing from earlier tests). */
const isDisconnectOf = (invocation: Invocation, connectionId: string): boolean =>
  invocation.event.requestContext.eventType === 'DISCONNECT' &&
  invocation.event.requestContext.connectionId === connectionId;

/** Opens a socket; resolves with it and the frames it receives, or rejects with the refused status. */
function open(url: string): Promise<{ socket: WebSocket; frames: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(String(data)));
    socket.once('unexpected-response', (_request, response) => reject(response.statusCode));
    socket.once('error', reject);
    socket.once('open', () => resolve({ socket, frames }));
  });
}

const connectionIdOf = () =>
  invocations.find((i) => i.event.requestContext?.eventType === 'CONNECT' && i.functionName === 'Routes')
    ?.event.requestContext.connectionId as string;

describe('the WebSocket API model, from a template CDK synthesizes', () => {
  it('reads the routes, their integrations, the $connect authorizer and which routes answer', () => {
    const api = buildWebSocketApis(deployed).get(apiId);
    expect([...(api?.routes.keys() ?? [])].sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
      'oneway',
      'subscribe',
    ]);
    expect(api?.routes.get('$connect')?.authorizer).toMatchObject({
      functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:Authorize`,
      identitySources: ['route.request.querystring.ticket'],
    });
    expect(api?.routes.get('subscribe')?.twoWay).toBe(true);
    expect(api?.routes.get('oneway')?.twoWay).toBe(false);
    expect(api?.stages).toEqual(new Set(['prod']));
  });

  it('selects a route by $request.body.action, and $default for anything else', () => {
    const api = buildWebSocketApis(deployed).get(apiId);
    if (!api) throw new Error('no api');
    expect(selectRoute(api, '{"action":"subscribe"}')).toBe('subscribe');
    expect(selectRoute(api, '{"action":"dance"}')).toBe('$default');
    expect(selectRoute(api, '{"action":"$connect"}')).toBe('$default');
    expect(selectRoute(api, 'not json')).toBe('$default');
    expect(selectRoute(api, '{"action":{"nested":1}}')).toBe('$default');
  });
});

describe('authorizer policies', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:abc/prod/$connect';
  it('allows on a matching Allow, wildcards included, and an explicit Deny wins', () => {
    const statement = (Effect: string, Resource: string, Action = 'execute-api:Invoke') => ({
      Effect,
      Resource,
      Action,
    });
    expect(policyAllows({ Statement: [statement('Allow', arn)] }, arn)).toBe(true);
    expect(
      policyAllows(
        { Statement: [statement('Allow', 'arn:aws:execute-api:us-east-1:000000000000:abc/*')] },
        arn,
      ),
    ).toBe(true);
    expect(
      policyAllows(
        { Statement: [statement('Allow', 'arn:aws:execute-api:us-east-1:000000000000:other/*')] },
        arn,
      ),
    ).toBe(false);
    expect(policyAllows({ Statement: [statement('Allow', '*'), statement('Deny', arn)] }, arn)).toBe(false);
    expect(policyAllows({ Statement: [statement('Allow', arn, 's3:GetObject')] }, arn)).toBe(false);
    expect(policyAllows(undefined, arn)).toBe(false);
  });
});

describe('the handshake', () => {
  it('answers 401 without calling the authorizer when the ticket is missing', async () => {
    await expect(open(stageUrl)).rejects.toBe(401);
    expect(invocations).toEqual([]);
  });

  it('answers 403 when the authorizer denies, 401 when it says Unauthorized, 500 when it fails', async () => {
    answer = (functionName, event) =>
      functionName === 'Authorize' ? allow(event, 'Deny') : { statusCode: 200 };
    await expect(open(`${stageUrl}?ticket=t`)).rejects.toBe(403);
    answer = () => new Error('Unauthorized');
    await expect(open(`${stageUrl}?ticket=t`)).rejects.toBe(401);
    answer = () => new Error('boom');
    await expect(open(`${stageUrl}?ticket=t`)).rejects.toBe(500);
    expect(invocations.every((i) => i.functionName === 'Authorize')).toBe(true);
  });

  it('refuses the connection with the status the $connect integration answers, 502 when it fails', async () => {
    answer = (functionName, event) => (functionName === 'Authorize' ? allow(event) : { statusCode: 429 });
    await expect(open(`${stageUrl}?ticket=t`)).rejects.toBe(429);
    answer = (functionName, event) => (functionName === 'Authorize' ? allow(event) : new Error('boom'));
    await expect(open(`${stageUrl}?ticket=t`)).rejects.toBe(502);
  });

  it('passes the authorizer its REQUEST event, and the integration the authorizer’s context', async () => {
    const { socket } = await open(`${stageUrl}?ticket=t-1`);
    socket.close();
    const [authorize, connect] = invocations;
    expect(authorize?.event).toMatchObject({
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${apiId}/prod/$connect`,
      queryStringParameters: { ticket: 't-1' },
      multiValueQueryStringParameters: { ticket: ['t-1'] },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT', stage: 'prod', apiId },
    });
    expect(connect?.functionName).toBe('Routes');
    expect(connect?.event).toMatchObject({
      isBase64Encoded: false,
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId: authorize?.event.requestContext.connectionId,
        authorizer: { tenant: 'shop', principalId: 'ticket-holder' },
        domainName: `${apiId}.execute-api.${LOCAL_REGION}.amazonaws.com`,
        identity: { sourceIp: '127.0.0.1' },
      },
    });
  });
});

describe('messages, @connections and $disconnect', () => {
  it('routes messages, sends back what two-way routes answer, and nothing for one-way routes', async () => {
    answer = (functionName, event) => {
      if (functionName === 'Authorize') return allow(event);
      return { statusCode: 200, body: `${event.requestContext.routeKey}:${event.body ?? ''}` };
    };
    const { socket, frames } = await open(`${stageUrl}?ticket=t`);
    socket.send('{"action":"subscribe","orderId":"o-1"}');
    socket.send('{"action":"oneway"}');
    socket.send('hello');
    await eventually(async () => (frames.length >= 2 ? true : undefined), { what: 'two replies' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(frames).toEqual(['subscribe:{"action":"subscribe","orderId":"o-1"}', '$default:hello']);
    const message = invocations.find((i) => i.event.requestContext.routeKey === 'subscribe');
    expect(message?.event).toMatchObject({
      body: '{"action":"subscribe","orderId":"o-1"}',
      isBase64Encoded: false,
      requestContext: { eventType: 'MESSAGE', messageId: expect.any(String), authorizer: { tenant: 'shop' } },
    });
    socket.close();
  });

  it('posts to an open connection, describes it, and answers GoneException once it is closed', async () => {
    const { socket, frames } = await open(`${stageUrl}?ticket=t`);
    const connectionId = connectionIdOf();
    await connections.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"type":"status"}' }),
    );
    await eventually(async () => (frames.length === 1 ? true : undefined), { what: 'the pushed frame' });
    expect(frames).toEqual(['{"type":"status"}']);
    const described = await connections.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(described.Identity?.SourceIp).toBe('127.0.0.1');
    expect(described.ConnectedAt).toBeInstanceOf(Date);
    socket.close();
    await eventually(
      async () => (invocations.some((i) => isDisconnectOf(i, connectionId)) ? true : undefined),
      { what: '$disconnect' },
    );
    const disconnect = invocations.find((i) => isDisconnectOf(i, connectionId));
    expect(disconnect?.event.requestContext).toMatchObject({
      routeKey: '$disconnect',
      connectionId,
      disconnectStatusCode: 1005,
    });
    await expect(
      connections.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
    ).rejects.toBeInstanceOf(GoneException);
    await expect(
      connections.send(new GetConnectionCommand({ ConnectionId: 'nobody' })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it('closes a connection on DeleteConnection', async () => {
    const { socket } = await open(`${stageUrl}?ticket=t`);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await connections.send(new DeleteConnectionCommand({ ConnectionId: connectionIdOf() }));
    await closed;
    expect(socket.readyState).toBe(WebSocket.CLOSED);
  });

  it.each(['POST', 'GET', 'DELETE'])(
    'answers %s on a connection id that is not valid percent-encoding with 400 BadRequestException, and keeps serving',
    async (method) => {
      const response = await fetch(`http://127.0.0.1:${server.port}/${apiId}/prod/@connections/%ZZ`, {
        method,
        body: method === 'POST' ? 'data' : undefined,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
      expect(await response.json()).toEqual({ message: 'Invalid connection id' });
      await expect(
        connections.send(new GetConnectionCommand({ ConnectionId: 'nobody' })),
      ).rejects.toBeInstanceOf(GoneException);
    },
  );

  it('closes a connection that sends a message over 128 KB, with 1009', async () => {
    const { socket } = await open(`${stageUrl}?ticket=t`);
    const code = new Promise((resolve) => socket.once('close', (c) => resolve(c)));
    socket.send('x'.repeat(128 * 1024 + 1));
    expect(await code).toBe(1009);
  });
});
