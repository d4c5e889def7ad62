import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeAssembly } from '../../../test/helpers/assembly.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import type { CfnTemplate } from '../src/cloudformation/types.ts';

/** A handler that says which code version, function and route answered, for REST and WebSocket events alike. */
const worker = (version: number) => `
export const handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({
    version: ${version},
    greeting: process.env.GREETING ?? null,
    functionName: context.functionName,
    route: event.requestContext?.routeKey ?? event.resource ?? null,
  }),
});`;

const ASSETS = {
  worker1: { 'index.mjs': worker(1) },
  worker2: { 'index.mjs': worker(2) },
};

const proxyUri = (functionId: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:aws:apigateway:',
      { Ref: 'AWS::Region' },
      ':lambda:path/2015-03-31/functions/',
      { 'Fn::GetAtt': [functionId, 'Arn'] },
      '/invocations',
    ],
  ],
});

const fn = (greeting: string, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Code: { S3Bucket: 'cdk-assets', S3Key: 'worker1.zip' },
    Handler: 'index.handler',
    Runtime: 'nodejs22.x',
    Environment: { Variables: { GREETING: greeting } },
    ...extra,
  },
});

const get = (resourceId: string, functionId: string) => ({
  Type: 'AWS::ApiGateway::Method',
  Properties: {
    RestApiId: { Ref: 'Api' },
    ResourceId: { Ref: resourceId },
    HttpMethod: 'GET',
    AuthorizationType: 'NONE',
    Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: proxyUri(functionId) },
  },
});

const route = (key: string) => ({
  Type: 'AWS::ApiGatewayV2::Route',
  Properties: {
    ApiId: { Ref: 'Socket' },
    RouteKey: key,
    Target: { 'Fn::Sub': 'integrations/${SocketIntegration}' },
  },
});

const routeResponse = (routeId: string) => ({
  Type: 'AWS::ApiGatewayV2::RouteResponse',
  Properties: { ApiId: { Ref: 'Socket' }, RouteId: { Ref: routeId }, RouteResponseKey: '$default' },
});

/** A REST API with GET /hello and a WebSocket API with a two-way $default route, both on one function. */
function baseTemplate(): CfnTemplate & { Resources: Record<string, CfnTemplate['Resources'][string]> } {
  return {
    Resources: {
      // A queue, so that fauxqs runs: a later update creates another.
      Jobs: { Type: 'AWS::SQS::Queue' },
      Worker: fn('hello'),
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'Shop' } },
      Hello: {
        Type: 'AWS::ApiGateway::Resource',
        Properties: {
          RestApiId: { Ref: 'Api' },
          ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
          PathPart: 'hello',
        },
      },
      HelloGet: get('Hello', 'Worker'),
      Deployment: {
        Type: 'AWS::ApiGateway::Deployment',
        Properties: { RestApiId: { Ref: 'Api' } },
        DependsOn: ['HelloGet'],
      },
      Stage: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: { RestApiId: { Ref: 'Api' }, DeploymentId: { Ref: 'Deployment' }, StageName: 'live' },
      },
      Socket: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: {
          Name: 'Pushes',
          ProtocolType: 'WEBSOCKET',
          RouteSelectionExpression: '$request.body.action',
        },
      },
      SocketIntegration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Socket' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: proxyUri('Worker'),
        },
      },
      DefaultRoute: route('$default'),
      DefaultRouteResponse: routeResponse('DefaultRoute'),
      SocketStage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: { ApiId: { Ref: 'Socket' }, StageName: 'live', AutoDeploy: true },
      },
    },
    Outputs: {
      Url: { Value: { 'Fn::Sub': 'https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/' } },
      SocketUrl: {
        Value: { 'Fn::Sub': 'wss://${Socket}.execute-api.${AWS::Region}.${AWS::URLSuffix}/live' },
      },
    },
  };
}

interface Answer {
  version: number;
  greeting: string | null;
  functionName: string;
  route: string | null;
}

describe('updating the running local cloud: functions, APIs and failures', { timeout: 60_000 }, () => {
  const directories: string[] = [];
  let cloud: LocalCloud;
  let url: string;

  const assembly = async (template: CfnTemplate): Promise<string> => {
    const directory = await writeAssembly('Shop', template, ASSETS);
    directories.push(directory);
    return directory;
  };
  const call = async (pathPart: string): Promise<{ status: number; body: Answer }> => {
    const response = await fetch(`${url}${pathPart}`);
    return { status: response.status, body: (await response.json()) as Answer };
  };

  beforeAll(async () => {
    const directory = await assembly(baseTemplate());
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
    url = cloud.outputs.Shop?.Url as string;
  });

  afterAll(async () => {
    await cloud?.stop();
    for (const directory of directories) {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('gives a function its new environment and leaves every other resource as it was', async () => {
    const before = cloud.stacks[0];
    const template = baseTemplate();
    template.Resources.Worker = fn('bonjour');
    const summary = await cloud.update(await assembly(template));
    expect(summary.stacks).toEqual([
      {
        stackName: 'Shop',
        created: [],
        updated: ['Worker'],
        replaced: [],
        deleted: [],
        retained: [],
        cleanupFailures: [],
      },
    ]);
    expect((await call('hello')).body).toMatchObject({ version: 1, greeting: 'bonjour', route: '/hello' });
    for (const [logicalId, resource] of before?.resources ?? []) {
      expect(cloud.stacks[0]?.resources.get(logicalId)?.physicalId).toBe(resource.physicalId);
    }
    expect(JSON.parse(await readFile(cloud.outputsFile, 'utf8'))).toEqual({
      Shop: { Url: url, SocketUrl: expect.any(String) },
    });
  });

  it('serves a new route to a new function, then stops serving it once removed', async () => {
    const template = baseTemplate();
    template.Resources.Bye = {
      Type: 'AWS::ApiGateway::Resource',
      Properties: {
        RestApiId: { Ref: 'Api' },
        ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
        PathPart: 'bye',
      },
    };
    template.Resources.ByeGet = get('Bye', 'Farewell');
    template.Resources.Farewell = fn('goodbye');
    const added = await cloud.update(await assembly(template));
    expect([...(added.stacks[0]?.created ?? [])].sort()).toEqual(['Bye', 'ByeGet', 'Farewell']);
    expect(await call('bye')).toMatchObject({ status: 200, body: { greeting: 'goodbye', route: '/bye' } });

    const removed = await cloud.update(await assembly(baseTemplate()));
    // Removed in reverse dependency order: the method before its function and its resource.
    expect(removed.stacks[0]?.deleted).toEqual(['ByeGet', 'Farewell', 'Bye']);
    const response = await fetch(`${url}bye`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    expect((await call('hello')).status).toBe(200);
  });

  it('runs the code of a new asset once the template names it', async () => {
    const template = baseTemplate();
    template.Resources.Worker = fn('hello', { Code: { S3Bucket: 'cdk-assets', S3Key: 'worker2.zip' } });
    await cloud.update(await assembly(template));
    expect((await call('hello')).body.version).toBe(2);
  });

  it('swaps a function’s code in place when only its bundle changed', async () => {
    const code = await mkdtemp(path.join(tmpdir(), 'worker3-'));
    directories.push(code);
    await writeFile(path.join(code, 'index.mjs'), worker(3));
    const functionName = cloud.stacks[0]?.resources.get('Worker')?.physicalId as string;
    await cloud.updateFunctionCode(functionName, code);
    expect((await call('hello')).body.version).toBe(3);
    await expect(cloud.updateFunctionCode(functionName, path.join(code, 'missing'))).rejects.toThrow(
      /is not a folder of function code/,
    );
  });

  it('routes the messages of an open WebSocket connection by the routes the update added', async () => {
    const { SocketUrl } = cloud.outputs.Shop as Record<string, string>;
    const socket = new WebSocket(SocketUrl as string);
    const frames: string[] = [];
    socket.on('message', (data) => frames.push(String(data)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const answer = async (count: number): Promise<Answer> =>
      JSON.parse(
        await eventually(async () => frames[count - 1], {
          timeoutMs: 10_000,
          what: `WebSocket frame ${count}`,
        }),
      ) as Answer;
    try {
      socket.send(JSON.stringify({ action: 'ping' }));
      expect((await answer(1)).route).toBe('$default');

      const template = baseTemplate();
      template.Resources.PingRoute = route('ping');
      template.Resources.PingRouteResponse = routeResponse('PingRoute');
      await cloud.update(await assembly(template));
      socket.send(JSON.stringify({ action: 'ping' }));
      expect((await answer(2)).route).toBe('ping');
    } finally {
      socket.close();
    }
  });

  it('replaces a renamed function, and the route that named the old one invokes the new one', async () => {
    const template = baseTemplate();
    template.Resources.Worker = fn('hello', { FunctionName: 'shop-worker' });
    const summary = await cloud.update(await assembly(template));
    expect(summary.stacks[0]).toMatchObject({
      replaced: ['Worker'],
      updated: ['HelloGet', 'SocketIntegration'],
    });
    expect((await call('hello')).body).toMatchObject({ functionName: 'shop-worker', version: 1 });
  });

  it('rolls a failed update back: what it created goes, and the previous resources serve on', async () => {
    const before = await readFile(cloud.outputsFile, 'utf8');
    const stack = cloud.stacks[0];
    const template = baseTemplate();
    template.Resources.Worker = fn('changed', { FunctionName: 'shop-worker' });
    template.Resources.Extra = { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'extra-jobs' } };
    template.Resources.Broken = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { ZipFile: 'def handler(e, c): pass' },
        Handler: 'index.handler',
        Runtime: 'python3.12',
      },
      DependsOn: ['Extra', 'Worker'],
    };
    await expect(cloud.update(await assembly(template))).rejects.toThrow(
      'resource Broken (AWS::Lambda::Function): property Runtime: python3.12 is not supported; the local cloud runs Node.js',
    );
    // The queue created before the failure is gone, the function updated before it has its old environment back.
    const sqs = new SQSClient({
      endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_SQS,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'extra-jobs' }))).rejects.toThrow(
        /does not exist/,
      );
    } finally {
      sqs.destroy();
    }
    expect((await call('hello')).body).toMatchObject({ greeting: 'hello', functionName: 'shop-worker' });
    expect(cloud.stacks[0]).toBe(stack);
    expect(await readFile(cloud.outputsFile, 'utf8')).toBe(before);
  });

  it('refuses a new stack, which needs a restart, before changing anything', async () => {
    const directory = await writeAssembly('Other', { Resources: { Jobs: { Type: 'AWS::SQS::Queue' } } }, {});
    directories.push(directory);
    await expect(cloud.update(directory)).rejects.toThrow(
      'Stack Other is new to the running local cloud: restart it to deploy a new stack',
    );
  });
});
