import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/helpers/eventually.ts';
import { type LocalCloud, rewriteExecuteApiUrls, startLocalCloud } from '../src/cloud.ts';
import { isPortFree } from '../src/emulators/ports.ts';
import { Timings } from '../src/timings.ts';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/assembly');

/** A scratch copy of the fixture assembly, its template changed by `edit`. */
async function fixtureCopy(
  edit?: (template: { Resources: Record<string, unknown> }) => void,
): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'local-cloud-'));
  await cp(FIXTURE, directory, { recursive: true });
  if (edit) {
    const file = path.join(directory, 'Greeter.template.json');
    const template = JSON.parse(await readFile(file, 'utf8'));
    edit(template);
    await writeFile(file, JSON.stringify(template));
  }
  return directory;
}

describe('the local cloud on a fixture assembly (API Gateway + Lambda, no database)', () => {
  let directory: string;
  let cloud: LocalCloud;

  beforeAll(async () => {
    directory = await fixtureCopy();
    cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
    });
  });

  afterAll(async () => {
    await cloud?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the outputs file in the cdk deploy shape, with a local URL and the API key value', async () => {
    const written = JSON.parse(await readFile(cloud.outputsFile, 'utf8'));
    expect(written).toEqual(cloud.outputs);
    const outputs = written.Greeter;
    expect(outputs.Url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${cloud.apiPort}/[a-z0-9]{10}/live/$`));
    expect(outputs.KeyId).toMatch(/^[a-z0-9]{10}$/);
    expect(outputs.Key).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('refuses to restart an emulator that does not keep its data in a file', async () => {
    await expect(cloud.restartEmulator('dynamodb')).rejects.toThrow(
      'Cannot restart dynamodb: only an emulator that keeps its data in a file can be restarted (start the local cloud with persistDynamoDb).',
    );
  });

  it('routes a request through API Gateway to the function, with its resolved environment', async () => {
    const { Url, Key } = cloud.outputs.Greeter as Record<string, string>;
    const response = await fetch(`${Url}hello/ada`, { headers: { 'x-api-key': Key as string } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      greeting: 'hello from Greeter',
      selfUrl: Url,
      // No table in the template: DynamoDB Local is not started and no endpoint is handed out.
      dynamoDbEndpoint: null,
      functionName: expect.stringMatching(/^Greeter-Hello-[A-Z0-9]{12}$/),
      name: 'ada',
      stage: 'live',
    });
  });

  it('refuses a request without the API key', async () => {
    const { Url } = cloud.outputs.Greeter as Record<string, string>;
    const response = await fetch(`${Url}hello/ada`);
    expect(response.status).toBe(403);
  });
});

describe('booting while the assembly is still being synthesized', () => {
  it('starts the emulators it is asked for at once, then stops those the template does not use', async () => {
    const directory = await fixtureCopy();
    const lines: string[] = [];
    let synthesized: (folder: string) => void = () => {};
    const timings = new Timings();
    const booting = startLocalCloud({
      assemblyDirectory: new Promise<string>((resolve) => (synthesized = resolve)),
      stateDirectory: path.join(directory, 'state'),
      port: 0,
      emulators: ['fauxqs'],
      log: (line) => lines.push(line),
      timings,
    });
    try {
      await eventually(async () => (lines.length > 0 ? lines : undefined), { timeoutMs: 10_000 });
      expect(lines).toEqual(['Starting fauxqs (SQS, SNS, S3)']);
      synthesized(directory);
      const cloud = await booting;
      // The fixture has no queue, bucket or topic: fauxqs goes, and functions get no endpoint for it.
      expect(lines).toContain('Stopping fauxqs: the template does not use it');
      expect(cloud.emulatorEndpoints).toEqual({});
      const { Url, Key } = cloud.outputs.Greeter as Record<string, string>;
      const response = await fetch(`${Url}hello/ada`, { headers: { 'x-api-key': Key as string } });
      expect(response.status).toBe(200);
      expect(timings.entries().map((entry) => entry.name)).toEqual([
        'emulator fauxqs',
        'resources of Greeter',
        'API server',
      ]);
      await cloud.stop();
    } finally {
      synthesized(directory);
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('fails as the synthesis does, after stopping the emulators it started', async () => {
    const directory = await fixtureCopy();
    const lines: string[] = [];
    await expect(
      startLocalCloud({
        assemblyDirectory: Promise.reject(new Error('cdk synth failed (exit 1)')),
        stateDirectory: path.join(directory, 'state'),
        port: 0,
        emulators: ['fauxqs'],
        log: (line) => lines.push(line),
      }),
    ).rejects.toThrow('cdk synth failed (exit 1)');
    expect(lines).toEqual(['Starting fauxqs (SQS, SNS, S3)']);
    await rm(directory, { recursive: true, force: true });
  });
});

describe('booting fails clearly', () => {
  it('names the logical id of a resource type it does not support, and leaves nothing listening', async () => {
    const directory = await fixtureCopy((template) => {
      template.Resources.Cluster = { Type: 'AWS::EKS::Cluster', Properties: {} };
    });
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await expect(
      startLocalCloud({ assemblyDirectory: directory, stateDirectory: path.join(directory, 'state'), port }),
    ).rejects.toThrow('Resource Cluster: the local cloud does not support AWS::EKS::Cluster');
    expect(await isPortFree(port)).toBe(true);
    await rm(directory, { recursive: true, force: true });
  });

  it('says which port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const directory = await fixtureCopy();
    try {
      await expect(
        startLocalCloud({
          assemblyDirectory: directory,
          stateDirectory: path.join(directory, 'state'),
          port,
        }),
      ).rejects.toThrow(`Port ${port} is in use on 127.0.0.1`);
    } finally {
      blocker.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('says to synthesize when the folder is not a cloud assembly', async () => {
    await expect(
      startLocalCloud({
        assemblyDirectory: path.join(tmpdir(), 'no-such-assembly'),
        stateDirectory: tmpdir(),
        port: 0,
      }),
    ).rejects.toThrow(/is this a cloud assembly\? Run `npx cdk synth` first/);
  });
});

describe('rewriteExecuteApiUrls', () => {
  it('rewrites every API Gateway invoke URL in a string and leaves other text alone', () => {
    expect(
      rewriteExecuteApiUrls(
        'see https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/sync and https://example.com/',
        4010,
      ),
    ).toBe('see http://127.0.0.1:4010/abc123defg/prod/sync and https://example.com/');
  });
});

describe('restarting an emulator mid-run', () => {
  const withTable = (template: { Resources: Record<string, unknown> }) => {
    template.Resources.Notes = {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      },
    };
  };

  it('kills DynamoDB Local and starts it again on the same port with its data, when it keeps data in a file', async () => {
    const directory = await fixtureCopy(withTable);
    const cloud = await startLocalCloud({
      assemblyDirectory: directory,
      stateDirectory: path.join(directory, 'state'),
      port: 0,
      persistDynamoDb: true,
    });
    const { DynamoDBClient, GetItemCommand, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({
      endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const tableName = cloud.stacks[0]?.resources.get('Notes')?.physicalId;
      await client.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'n-1' } } }));
      const restarting = cloud.restartEmulator('dynamodb', 1_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // While it is down, requests fail as against an unreachable service.
      await expect(
        client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: 'n-1' } } })),
      ).rejects.toThrow(/ECONNREFUSED|socket hang up|ECONNRESET/);
      await restarting;
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { id: { S: 'n-1' } }, ConsistentRead: true }),
      );
      expect(Item).toEqual({ id: { S: 'n-1' } });
    } finally {
      client.destroy();
      await cloud.stop();
      await rm(directory, { recursive: true, force: true });
    }
  }, 120_000);
});
