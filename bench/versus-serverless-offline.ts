import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, startLocalCloud } from '@serverless-data-sharing/local-cloud';
import { writeAssembly } from '../test/helpers/assembly.ts';
import { sleep, until } from './api.ts';
import { type LatencySummary, summarize, withConcurrency } from './stats.ts';

/** serverless-offline and the Serverless Framework it plugs into, pinned; installed on first use, outside the project. */
export const SERVERLESS_OFFLINE = { serverless: '3.40.0', 'serverless-offline': '13.9.0' } as const;

/** The same trivial handler for both: answers 200 with a small JSON body. */
const HANDLER = `export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true }),
});
`;

/** One side's figures at the stated concurrency. */
export interface SideResult {
  readonly requestsPerSecond: number;
  readonly latency: LatencySummary;
  readonly errors: number;
}

export interface VersusResult {
  readonly requests: number;
  readonly concurrency: number;
  readonly localCloud: SideResult;
  readonly serverlessOffline?: SideResult;
  /** Why serverless-offline was not measured, when it was not. */
  readonly skipped?: string;
  readonly versions: typeof SERVERLESS_OFFLINE;
}

/** GETs `url` `requests` times, `concurrency` at a time, after a warm-up; answers throughput and latency. */
async function load(url: string, requests: number, concurrency: number): Promise<SideResult> {
  const once = async (): Promise<number | undefined> => {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status === 200 ? performance.now() - started : undefined;
  };
  await withConcurrency(Array.from({ length: 50 }), concurrency, once);
  const started = performance.now();
  const timings = await withConcurrency(Array.from({ length: requests }), concurrency, once);
  const seconds = (performance.now() - started) / 1000;
  const ok = timings.filter((t): t is number => t !== undefined);
  return { requestsPerSecond: requests / seconds, latency: summarize(ok), errors: requests - ok.length };
}

/** A REST API with one `GET /hello` Lambda proxy method, as CloudFormation describes it. */
function trivialApiTemplate(): object {
  return {
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'trivial' } },
      Hello: {
        Type: 'AWS::ApiGateway::Resource',
        Properties: {
          RestApiId: { Ref: 'Api' },
          ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
          PathPart: 'hello',
        },
      },
      HelloGet: {
        Type: 'AWS::ApiGateway::Method',
        Properties: {
          RestApiId: { Ref: 'Api' },
          ResourceId: { Ref: 'Hello' },
          HttpMethod: 'GET',
          AuthorizationType: 'NONE',
          Integration: {
            Type: 'AWS_PROXY',
            IntegrationHttpMethod: 'POST',
            Uri: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:apigateway:',
                  { Ref: 'AWS::Region' },
                  ':lambda:path/2015-03-31/functions/',
                  { 'Fn::GetAtt': ['Handler', 'Arn'] },
                  '/invocations',
                ],
              ],
            },
          },
        },
      },
      Deployment: {
        Type: 'AWS::ApiGateway::Deployment',
        Properties: { RestApiId: { Ref: 'Api' } },
        DependsOn: ['HelloGet'],
      },
      Stage: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: { RestApiId: { Ref: 'Api' }, DeploymentId: { Ref: 'Deployment' }, StageName: 'dev' },
      },
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Bucket: 'cdk-assets', S3Key: 'handler.zip' },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          MemorySize: 256,
          Role: 'arn:aws:iam::000000000000:role/handler',
        },
      },
    },
    Outputs: {
      Url: {
        Value: {
          'Fn::Join': [
            '',
            ['https://', { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.amazonaws.com/dev/hello'],
          ],
        },
      },
    },
  };
}

/** Installs the pinned serverless-offline into `directory` unless it is there; false when it cannot be installed. */
async function installServerlessOffline(directory: string, log: (line: string) => void): Promise<boolean> {
  if (existsSync(path.join(directory, 'node_modules', 'serverless-offline', 'package.json'))) {
    return true;
  }
  log(
    `Installing serverless ${SERVERLESS_OFFLINE.serverless} and serverless-offline ${SERVERLESS_OFFLINE['serverless-offline']} (once, into ${directory})`,
  );
  await mkdir(directory, { recursive: true });
  await writeFile(
    path.join(directory, 'package.json'),
    '{"name":"bench-serverless-offline","private":true}\n',
  );
  const specs = Object.entries(SERVERLESS_OFFLINE).map(([name, version]) => `${name}@${version}`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--silent', ...specs], {
      cwd: directory,
      stdio: 'ignore',
    });
    child.once('error', () => resolve(1));
    child.once('exit', resolve);
  });
  return code === 0;
}

/** Starts `serverless offline` on a free port with the trivial handler; resolves with its URL and the process. */
async function startServerlessOffline(directory: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const lambdaPort = await freePort();
  await mkdir(path.join(directory, 'app'), { recursive: true });
  await writeFile(path.join(directory, 'app', 'handler.mjs'), HANDLER);
  await writeFile(
    path.join(directory, 'serverless.yml'),
    `service: bench-trivial
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  memorySize: 256
functions:
  hello:
    handler: app/handler.handler
    events:
      - http: { path: hello, method: get }
plugins:
  - serverless-offline
`,
  );
  const child = spawn(
    path.join(directory, 'node_modules', '.bin', 'serverless'),
    [
      'offline',
      'start',
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(port),
      '--lambdaPort',
      String(lambdaPort),
    ],
    {
      cwd: directory,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    },
  );
  child.stdout?.resume();
  child.stderr?.resume();
  const url = `http://127.0.0.1:${port}/dev/hello`;
  await until(
    async () => {
      const answered = await fetch(url).then(
        (r) => r.status === 200,
        () => false,
      );
      return answered ? true : undefined;
    },
    'serverless-offline',
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return { url, child };
}

/**
 * The same trivial handler behind the local cloud's API Gateway + Lambda emulation and behind serverless-offline,
 * loaded one after the other with the same requests at the same concurrency.
 */
export async function versusServerlessOffline(options: {
  readonly stateDirectory: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly log: (line: string) => void;
}): Promise<VersusResult> {
  const { requests, concurrency, log } = options;
  log('Side by side: the local cloud');
  const assemblyDirectory = await writeAssembly('Trivial', trivialApiTemplate(), {
    handler: { 'index.mjs': HANDLER },
  });
  const cloud = await startLocalCloud({
    assemblyDirectory,
    stateDirectory: path.join(options.stateDirectory, 'trivial'),
    port: 0,
  });
  let localCloud: SideResult;
  try {
    localCloud = await load(String(cloud.outputs.Trivial?.Url), requests, concurrency);
  } finally {
    await cloud.stop();
  }
  const base = { requests, concurrency, localCloud, versions: SERVERLESS_OFFLINE };
  const toolDirectory = path.join(options.stateDirectory, '..', 'bench-tools', 'serverless-offline');
  if (!(await installServerlessOffline(toolDirectory, log))) {
    return { ...base, skipped: 'serverless-offline could not be installed from the npm registry' };
  }
  log('Side by side: serverless-offline');
  const { url, child } = await startServerlessOffline(toolDirectory);
  try {
    return { ...base, serverlessOffline: await load(url, requests, concurrency) };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(5_000)]);
    child.kill('SIGKILL');
  }
}
