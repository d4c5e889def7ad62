import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { mulberry32 } from '../../src/seeded-random.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/assembly');
const REQUESTS = 2_000;
const CONCURRENCY = 8;
/** How long one malformed request may take before the test gives up on its answer (the server may keep it open). */
const REQUEST_TIMEOUT_MS = 3_000;

/** A function that answers a header taken from the query string as is: a way to return a header HTTP cannot carry. */
const ECHO_HANDLER = `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'x-echo': event.queryStringParameters?.h ?? 'none' },
  body: JSON.stringify({ query: event.queryStringParameters, headers: event.multiValueHeaders }),
});
`;

const lambdaUri = (functionId: string) => ({
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

/** The Greeter fixture plus an `/echo` route (no API key) and a WebSocket API on the same function. */
async function fuzzAssembly(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'local-cloud-fuzz-'));
  await cp(FIXTURE, directory, { recursive: true });
  await mkdir(path.join(directory, 'asset.echo5678'));
  await writeFile(path.join(directory, 'asset.echo5678', 'index.mjs'), ECHO_HANDLER);
  const assetsFile = path.join(directory, 'Greeter.assets.json');
  const assets = JSON.parse(await readFile(assetsFile, 'utf8'));
  assets.files.echo5678 = {
    source: { path: 'asset.echo5678', packaging: 'zip' },
    destinations: assets.files.hello1234.destinations,
  };
  assets.files.echo5678.destinations = {
    'current_account-current_region': {
      bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
      objectKey: 'echo5678.zip',
    },
  };
  await writeFile(assetsFile, JSON.stringify(assets));
  const templateFile = path.join(directory, 'Greeter.template.json');
  const template = JSON.parse(await readFile(templateFile, 'utf8'));
  const resources = template.Resources;
  resources.Echo = structuredClone(resources.Hello);
  resources.Echo.Properties.Code.S3Key = 'echo5678.zip';
  resources.EchoResource = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: {
      ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
      PathPart: 'echo',
      RestApiId: { Ref: 'Api' },
    },
  };
  resources.EchoAny = {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      HttpMethod: 'ANY',
      ResourceId: { Ref: 'EchoResource' },
      RestApiId: { Ref: 'Api' },
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri('Echo') },
    },
  };
  resources.Deployment.DependsOn.push('EchoAny');
  resources.Sockets = {
    Type: 'AWS::ApiGatewayV2::Api',
    Properties: {
      Name: 'Sockets',
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    },
  };
  resources.SocketsIntegration = {
    Type: 'AWS::ApiGatewayV2::Integration',
    Properties: {
      ApiId: { Ref: 'Sockets' },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: lambdaUri('Hello'),
    },
  };
  for (const [id, routeKey] of [
    ['SocketsConnect', '$connect'],
    ['SocketsDefault', '$default'],
    ['SocketsDisconnect', '$disconnect'],
  ]) {
    resources[id as string] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'Sockets' },
        RouteKey: routeKey,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'SocketsIntegration' }]] },
      },
    };
  }
  resources.SocketsDefaultResponse = {
    Type: 'AWS::ApiGatewayV2::RouteResponse',
    Properties: {
      ApiId: { Ref: 'Sockets' },
      RouteId: { Ref: 'SocketsDefault' },
      RouteResponseKey: '$default',
    },
  };
  resources.SocketsStage = {
    Type: 'AWS::ApiGatewayV2::Stage',
    Properties: { ApiId: { Ref: 'Sockets' }, StageName: 'prod' },
  };
  template.Outputs.SocketsId = { Value: { Ref: 'Sockets' } };
  template.Outputs.ApiId = { Value: { Ref: 'Api' } };
  await writeFile(templateFile, JSON.stringify(template));
  return directory;
}

/** Sends raw bytes and resolves with what came back (status line first) once the server closes or time is up. */
function rawExchange(port: number, chunks: readonly (string | Buffer)[], endEarly: boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(received).toString('latin1'));
    };
    const timer = setTimeout(done, REQUEST_TIMEOUT_MS);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      for (const chunk of chunks) {
        socket.write(chunk);
      }
      if (endEarly) {
        // A truncated body: the connection goes before Content-Length bytes came.
        socket.destroy();
      }
    });
  });
}

const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'x'];
const SEGMENTS = [
  '%',
  '%ZZ',
  '%E0%A4%A',
  '%00',
  '%2F',
  '..',
  '.',
  '',
  '__proto__',
  'constructor',
  '@connections',
  'hello',
  'echo',
  'ada',
  '%C3%A9',
  'a'.repeat(300),
];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

interface Ids {
  readonly restApi: string;
  readonly socketApi: string;
  readonly key: string;
}

/** One malformed request: the bytes to send, and whether to drop the connection after them. */
function malformedRequest(next: () => number, ids: Ids): { chunks: string[]; endEarly: boolean } {
  const api = pick(next, [
    ids.restApi,
    ids.restApi,
    ids.socketApi,
    ids.socketApi,
    'nosuchapi1',
    '_local-cloud',
    '_x',
  ]);
  const stage = pick(next, ['live', 'prod', 'nostage', '%ZZ', '__proto__', 'outputs.json']);
  const rest = Array.from({ length: Math.floor(next() * 3) }, () => pick(next, SEGMENTS));
  if (api === ids.socketApi && next() < 0.5) {
    rest.splice(0, rest.length, '@connections', pick(next, SEGMENTS));
  }
  const query = Array.from(
    { length: Math.floor(next() * 4) },
    () => `${pick(next, [...NAMES, '%', '%ZZ'])}=${pick(next, ['1', '%', '%ZZ', 'a%0Ab', 'a%0D%0AX:%201'])}`,
  ).join('&');
  const target = `/${[api, stage, ...rest].join('/')}${query ? `?${query}` : ''}`;
  const method = pick(next, ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD', 'BREW']);
  const headers = [`Host: 127.0.0.1`, `x-api-key: ${ids.key}`];
  for (let count = Math.floor(next() * 4); count > 0; count--) {
    headers.push(`${pick(next, NAMES)}: ${pick(next, ['1', '', 'v v', '\u00e9'])}`);
  }
  const kind = Math.floor(next() * 8);
  let body = pick(next, ['', '{"action":"x"}', 'not json', '{', '\u0000\u00ff']);
  let endEarly = false;
  let requestLine = `${method} ${target} HTTP/1.1`;
  if (kind === 0) {
    // Truncated: announces more than it sends, then the connection closes.
    headers.push(`Content-Length: ${body.length + 1_000}`);
    endEarly = true;
  } else if (kind === 1) {
    headers.push(`X-Huge: ${'h'.repeat(20_000 + Math.floor(next() * 100_000))}`);
  } else if (kind === 2) {
    headers.push(
      pick(next, ['Bad Header: 1', 'Content-Length: abc', 'Content-Length: 1\r\nContent-Length: 2', ': x']),
    );
  } else if (kind === 3) {
    requestLine = pick(next, [
      `GET * HTTP/1.1`,
      `GET //[ HTTP/1.1`,
      `GET http://x/${api} HTTP/1.1`,
      `\u0000 / HTTP/1.1`,
    ]);
  } else if (kind === 4) {
    // A WebSocket handshake, well formed or not, to whatever path was drawn.
    requestLine = `GET ${target} HTTP/1.1`;
    headers.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13');
    if (next() < 0.7) {
      headers.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
    }
    body = '';
    endEarly = next() < 0.3;
  } else if (kind === 5) {
    // A function asked to answer a header value with a line break: API Gateway answers 502.
    requestLine = `GET /${ids.restApi}/live/echo?h=${pick(next, ['a%0Ab', 'a%0D%0AInjected:%201', '%00', 'ok'])} HTTP/1.1`;
  }
  if (kind !== 0 && body) {
    headers.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  }
  headers.push('Connection: close');
  return { chunks: [`${requestLine}\r\n${headers.join('\r\n')}\r\n\r\n`, body], endEarly };
}

/** Bad frames on an open WebSocket connection: reserved opcodes, unmasked frames, oversize lengths, garbage. */
function badFrames(next: () => number): Buffer[] {
  return Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
    pick(next, [
      Buffer.from([0x83, 0x80, 0, 0, 0, 0]),
      Buffer.from([0x81, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]),
      Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x89, 0xfe, 0x00, 0xff]),
      Buffer.from(Array.from({ length: 32 }, () => Math.floor(next() * 256))),
    ]),
  );
}

describe('every entry point of the local cloud, under malformed input', () => {
  let directory: string;
  let cloud: LocalCloud;
  let ids: Ids;
  const lines: string[] = [];

  beforeAll(async () => {
    directory = await fuzzAssembly();
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
      onOutput: (source, line) => lines.push(`${source}: ${line}`),
    });
    const outputs = cloud.outputs.Greeter as Record<string, string>;
    ids = {
      restApi: outputs.ApiId as string,
      socketApi: outputs.SocketsId as string,
      key: outputs.Key as string,
    };
  }, 60_000);

  afterAll(async () => {
    await cloud?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} malformed requests and frames, and still serves a normal request`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`entry-point fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})`);
    // Seeded, so that a failing run can be replayed with FUZZ_SEED.
    const next = mulberry32(seed);
    const failures: unknown[] = [];
    const record = (error: unknown) => failures.push(error);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    const statuses = new Map<string, number>();
    try {
      const jobs = Array.from({ length: REQUESTS }, (_, index) =>
        index % 10 === 9
          ? { frames: badFrames(next), request: undefined }
          : { frames: undefined, request: malformedRequest(next, ids) },
      );
      for (let start = 0; start < jobs.length; start += CONCURRENCY) {
        await Promise.all(
          jobs.slice(start, start + CONCURRENCY).map(async ({ frames, request }) => {
            if (request) {
              const reply = await rawExchange(cloud.apiPort, request.chunks, request.endEarly);
              const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 'none';
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
            } else {
              await sendBadFrames(cloud.apiPort, ids.socketApi, frames ?? []);
            }
          }),
        );
      }
    } finally {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
    console.log(`answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    // Nothing answered with a status the server should never give for bad input.
    expect([...statuses.keys()].filter((status) => !/^(101|[2345]\d\d|none)$/.test(status))).toEqual([]);

    const { Url, Key } = cloud.outputs.Greeter as Record<string, string>;
    const normal = await fetch(`${Url}hello/ada`, { headers: { 'x-api-key': Key as string } });
    expect(normal.status).toBe(200);
    expect(await normal.json()).toMatchObject({ name: 'ada', stage: 'live' });
    const injected = await fetch(
      `http://127.0.0.1:${cloud.apiPort}/${ids.restApi}/live/echo?h=a%0D%0AInjected:%201`,
    );
    expect(injected.status).toBe(502);
    expect(await injected.json()).toEqual({ message: 'Internal server error' });
    const gone = await fetch(`http://127.0.0.1:${cloud.apiPort}/${ids.socketApi}/prod/@connections/nobody`);
    expect(gone.status).toBe(410);
    const socket = new WebSocket(`ws://127.0.0.1:${cloud.apiPort}/${ids.socketApi}/prod`);
    const reply = await new Promise<string>((resolve, reject) => {
      socket.once('open', () => socket.send('{"action":"anything"}'));
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    socket.close();
    expect(JSON.parse(reply)).toMatchObject({ stage: 'prod', greeting: 'hello from Greeter' });
  }, 120_000);
});

/** Opens a WebSocket connection and writes raw, malformed frames on it; resolves once the server closes it. */
function sendBadFrames(port: number, apiId: string, frames: readonly Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/${apiId}/prod`);
    const timer = setTimeout(() => socket.terminate(), REQUEST_TIMEOUT_MS);
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('open', () => {
      const raw = (socket as unknown as { _socket: net.Socket })._socket;
      for (const frame of frames) {
        raw.write(frame);
      }
      raw.end();
    });
  });
}
