import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/helpers/eventually.ts';
import {
  type EmulatorName,
  isPortFree,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalCloud,
  startLocalCloud,
  synthesize,
} from '../../src/index.ts';
import { type InstalledApp, installApp } from './installed-app.ts';

// CDK apps from aws-samples (test/fixtures/cdk-apps/<name>/SOURCE.md says where each comes from), synthesized with
// their own CDK code and the repository's CDK CLI (`cdk synth --app "npx tsx <entry>"`), then run on the local cloud
// through the front door, as a user of the package would. Each app gets its own local cloud.

/** A safety net for a synthesis (esbuild bundling included) and a boot on a busy machine, not an expected time. */
const BOOT_DEADLINE_MS = 180_000;
/** A safety net for one test's requests and the first (cold) invocations of its functions. */
const TEST_DEADLINE_MS = 60_000;

interface BootOptions {
  /** The command that runs the app's own entry (`cdk synth --app`). */
  readonly command: string;
  /** The emulators its template needs, started while it is synthesized (the local cloud's guess would be all). */
  readonly emulators: readonly EmulatorName[];
  /** Every line its functions (and the emulators) print, by source. */
  readonly onOutput?: (source: string, line: string) => void;
}

/** Synthesizes an installed app with its own entry and the repository's CDK CLI, and boots it on the local cloud. */
function bootApp(app: InstalledApp, options: BootOptions): Promise<LocalCloud> {
  const assemblyDirectory = path.join(app.directory, 'cdk.out');
  const synthesized = synthesize({
    projectDirectory: app.directory,
    app: options.command,
    outputDirectory: assemblyDirectory,
  }).then(() => assemblyDirectory);
  return startLocalCloud({
    assemblyDirectory: synthesized,
    emulators: options.emulators,
    stateDirectory: path.join(app.directory, '.local-cloud'),
    port: 0,
    onOutput: options.onOutput,
  });
}

/** The one output of a stack whose name starts with `prefix` (CDK appends a hash to nested construct ids). */
function output(cloud: LocalCloud, stackName: string, prefix: string): string {
  const outputs = Object.entries(cloud.outputs[stackName] ?? {}).filter(([name]) => name.startsWith(prefix));
  expect(outputs, `one output ${prefix}* in ${stackName}`).toHaveLength(1);
  return outputs[0]?.[1] as string;
}

/** The physical id of the only resource of `type` in the local cloud. */
function physicalIdOf(cloud: LocalCloud, type: string): string {
  const resources = cloud.stacks.flatMap((stack) =>
    [...stack.resources.values()].filter((resource) => resource.type === type),
  );
  expect(resources, `one ${type}`).toHaveLength(1);
  return resources[0]?.physicalId as string;
}

function dynamoDbClient(cloud: LocalCloud): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

describe('api-cors-lambda-crud-dynamodb (aws-cdk-examples): REST API, Lambda functions, DynamoDB', () => {
  let app: InstalledApp | undefined;
  let cloud: LocalCloud | undefined;
  let items = '';

  beforeAll(async () => {
    // Its postinstall runs `npm install` in lambdas/ too, whose lock file index.ts names as depsLockFilePath.
    app = await installApp('api-cors-lambda-crud-dynamodb', ['lambdas']);
    cloud = await bootApp(app, { command: 'npx tsx index.ts', emulators: ['dynamodb'] });
    items = new URL('items', output(cloud, 'ApiLambdaCrudDynamoDBExample', 'itemsApiEndpoint')).href;
  }, BOOT_DEADLINE_MS);

  afterAll(async () => {
    await cloud?.stop();
    await app?.remove();
  });

  it('creates, lists, reads, updates and deletes an item through the API', {
    timeout: TEST_DEADLINE_MS,
  }, async () => {
    const name = `lamp-${randomUUID()}`;
    const created = await fetch(items, { method: 'POST', body: JSON.stringify({ name, price: 12 }) });
    expect(created.status).toBe(201);

    // The create function answers no id (it makes one with uuid): the list shows it.
    const listed = await fetch(items);
    expect(listed.status).toBe(200);
    const all = (await listed.json()) as { itemId: string; name: string; price: number }[];
    const item = all.find((candidate) => candidate.name === name);
    expect(item).toMatchObject({ name, price: 12 });
    expect(item?.itemId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const one = `${items}/${item?.itemId}`;

    const read = await fetch(one);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ itemId: item?.itemId, name, price: 12 });

    const updated = await fetch(one, { method: 'PATCH', body: JSON.stringify({ price: 15 }) });
    expect(updated.status).toBe(204);
    expect(await (await fetch(one)).json()).toEqual({ itemId: item?.itemId, name, price: 15 });

    const deleted = await fetch(one, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect((await fetch(one)).status).toBe(404);
  });

  it('answers the CORS preflight of a resource from its MOCK integration', {
    timeout: TEST_DEADLINE_MS,
  }, async () => {
    const preflight = await fetch(`${items}/any-id`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'PATCH' },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('OPTIONS,GET,PUT,POST,DELETE');
  });
});

describe('sqs-lambda-ddb-cdk-ts (serverless-patterns): SQS queue, Lambda function, DynamoDB', () => {
  let app: InstalledApp | undefined;
  let cloud: LocalCloud | undefined;

  beforeAll(async () => {
    app = await installApp('sqs-lambda-ddb-cdk-ts');
    cloud = await bootApp(app, {
      command: 'npx tsx bin/sqs-lambda-dynamo.ts',
      emulators: ['dynamodb', 'fauxqs'],
    });
  }, BOOT_DEADLINE_MS);

  afterAll(async () => {
    await cloud?.stop();
    await app?.remove();
  });

  it('writes each message sent to the queue into the table', { timeout: TEST_DEADLINE_MS }, async () => {
    const local = cloud as LocalCloud;
    const queueUrl = output(local, 'SqsLambdaDynamoStack', 'SampleTable1QueueURL');
    const tableName = physicalIdOf(local, 'AWS::DynamoDB::Table');
    const sqs = new SQSClient({
      endpoint: local.emulatorEndpoints.AWS_ENDPOINT_URL_SQS,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const dynamodb = dynamoDbClient(local);
    // The body its test script sends: an id and a payload.
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id, payload: '####' }) }),
      );
    }
    for (const id of ids) {
      const item = await eventually(
        async () =>
          (await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } } }))).Item,
        { timeoutMs: 20_000, what: `item ${id} in ${tableName}` },
      );
      expect(item).toEqual({ id: { S: id }, payload: { S: '####' } });
    }
  });
});

describe('dynamodb-lambda-cdk (serverless-patterns): DynamoDB stream, Lambda function', () => {
  let app: InstalledApp | undefined;
  let cloud: LocalCloud | undefined;
  const printed = new Map<string, string[]>();

  beforeAll(async () => {
    app = await installApp('dynamodb-lambda-cdk');
    cloud = await bootApp(app, {
      command: 'npx tsx bin/dynamo-to-lambda-cdk.ts',
      emulators: ['dynamodb'],
      onOutput: (source, line) => printed.set(source, [...(printed.get(source) ?? []), line]),
    });
  }, BOOT_DEADLINE_MS);

  afterAll(async () => {
    await cloud?.stop();
    await app?.remove();
  });

  it("hands an item put into the table to the function, which logs the stream record's new image", {
    timeout: TEST_DEADLINE_MS,
  }, async () => {
    const local = cloud as LocalCloud;
    const tableName = output(local, 'DynamoToLambdaCdkStack', 'DynamoDbTableName');
    const functionName = output(local, 'DynamoToLambdaCdkStack', 'LambdaFunctionArn')
      .split(':')
      .at(-1) as string;
    const pk = `sensor-${randomUUID()}`;
    await dynamoDbClient(local).send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, reading: { N: '21.5' } } }),
    );
    // Its handler logs `EVENT: \n` and the event as indented JSON, one record per insert.
    const logged = await eventually(
      async () => {
        const text = (printed.get(functionName) ?? []).join('\n');
        const start = text.indexOf('EVENT: \n');
        return start >= 0 && text.includes(pk) ? text.slice(start) : undefined;
      },
      { timeoutMs: 20_000, what: `the function ${functionName} to log the record of ${pk}` },
    );
    expect(logged).toContain('"eventName": "INSERT"');
    expect(logged).toContain(`"pk": {\n            "S": "${pk}"\n          }`);
    expect(logged).toContain('"StreamViewType": "NEW_IMAGE"');
  });
});

describe('api-gateway-async-lambda-invocation (aws-cdk-examples): integrations the local cloud does not run', () => {
  let app: InstalledApp | undefined;

  beforeAll(async () => {
    app = await installApp('api-gateway-async-lambda-invocation');
  });

  afterAll(async () => {
    await app?.remove();
  });

  it('fails the boot naming the method with a non-proxy Lambda integration and its type', {
    timeout: BOOT_DEADLINE_MS,
  }, async () => {
    await expect(
      bootApp(app as InstalledApp, { command: 'npx tsx lib/app.ts', emulators: ['dynamodb'] }),
    ).rejects.toThrow(
      /^Resource apigwasynclambdaapigwjobPOST[0-9A-F]{8}: POST uses a AWS integration; the local cloud runs AWS_PROXY \(Lambda proxy\) and MOCK integrations \(type AWS::ApiGateway::Method\)$/,
    );
  });
});

/** The line `local-cloud` prints once everything it started is ready. */
const READY_LINE = 'Ctrl-C stops everything';

/** A command run in its own process group, as a terminal runs it, with what it prints collected. */
class UserCommand {
  private printed = '';
  private readonly child: ChildProcess;

  constructor(command: string, args: readonly string[], cwd: string) {
    this.child = spawn(command, args, {
      cwd,
      // This Node.js first: npx and the tools it starts run on it.
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer): void => {
      this.printed += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  /** Waits for `text` in the output; fails at once if the command exits first, and after `timeoutMs`. */
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const printedText = async (): Promise<true | undefined> => {
      if (this.printed.includes(text)) {
        return true;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`The command exited before printing "${text}"`);
      }
      return undefined;
    };
    try {
      await eventually(printedText, { timeoutMs, intervalMs: 50, what: `"${text}"` });
    } catch (error) {
      throw new Error(`${(error as Error).message}; it printed:\n${this.printed}`);
    }
  }

  /** Signals the whole process group, as Ctrl-C in a terminal does; false when no process of it is left. */
  signal(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-(this.child.pid as number), signal);
      return true;
    } catch {
      return false;
    }
  }
}

describe('npx local-cloud in the folder of an app it did not write', () => {
  let app: InstalledApp | undefined;
  let command: UserCommand | undefined;

  beforeAll(async () => {
    app = await installApp('api-cors-lambda-crud-dynamodb', ['lambdas']);
  });

  afterAll(async () => {
    // After a failure, nothing of it may outlive the test.
    command?.signal('SIGKILL');
    await app?.remove();
  });

  it('synthesizes the app with its own entry, serves its API, and on Ctrl-C stops every process it started', {
    timeout: BOOT_DEADLINE_MS + TEST_DEADLINE_MS,
  }, async () => {
    const directory = (app as InstalledApp).directory;
    command = new UserCommand('npx', ['local-cloud', '--app', 'npx tsx index.ts', '--port', '0'], directory);
    await command.waitFor(READY_LINE, BOOT_DEADLINE_MS);

    const outputs = JSON.parse(await readFile(path.join(directory, '.local-cloud', 'outputs.json'), 'utf8'));
    const [endpoint] = Object.entries(outputs.ApiLambdaCrudDynamoDBExample as Record<string, string>)
      .filter(([name]) => name.startsWith('itemsApiEndpoint'))
      .map(([, url]) => url);
    const listed = await fetch(new URL('items', endpoint));
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([]);

    const local = command;
    expect(local.signal('SIGINT')).toBe(true);
    await eventually(async () => (local.signal(0) ? undefined : true), {
      timeoutMs: 30_000,
      what: 'every process of the command to exit',
    });
    expect(await isPortFree(Number(new URL(endpoint as string).port))).toBe(true);
  });
});
