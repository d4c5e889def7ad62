import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITE_OUTPUTS, sdkClientConfig, targetFromOutputs, targetName } from '../../e2e/target.ts';

async function outputsFile(content: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'outputs-')), 'outputs.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

/** Every output the suite reads besides the API's, as a deployed stack has them. */
const suiteOutputs = Object.fromEntries(SUITE_OUTPUTS.map((output) => [output, `value-of-${output}`]));

const noFetch = async (): Promise<string> => {
  throw new Error('should not fetch');
};

describe('e2e targets', () => {
  it('defaults to the local cloud and refuses unknown targets', () => {
    expect(targetName({})).toBe('local');
    expect(targetName({ E2E_TARGET: 'aws' })).toBe('aws');
    expect(() => targetName({ E2E_TARGET: 'staging' })).toThrow(
      'E2E_TARGET must be local, localstack or aws; got staging',
    );
  });

  it('reads the API URL and key value from a local cloud outputs file', async () => {
    const file = await outputsFile({
      DataSharingStack: {
        ApiUrl: 'http://127.0.0.1:4010/abc/prod',
        ApiKey: 'value',
        ApiKeyId: 'id',
        ...suiteOutputs,
      },
    });
    expect(await targetFromOutputs('local', file, noFetch)).toEqual({
      name: 'local',
      apiUrl: 'http://127.0.0.1:4010/abc/prod/',
      apiKey: 'value',
      outputs: { ApiUrl: 'http://127.0.0.1:4010/abc/prod', ApiKey: 'value', ApiKeyId: 'id', ...suiteOutputs },
      endpoints: {},
    });
  });

  it('fetches the key value by id when a cdk deploy outputs file has only the id', async () => {
    const file = await outputsFile({
      DataSharingStack: {
        ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
        ApiKeyId: 'k1',
        ...suiteOutputs,
        WebSocketUrl: 'wss://def.execute-api.eu-west-1.amazonaws.com/live',
      },
    });
    const target = await targetFromOutputs('aws', file, async (id) => `value-of-${id}`);
    expect(target).toMatchObject({
      name: 'aws',
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      apiKey: 'value-of-k1',
      endpoints: {},
    });
    expect(target.outputs.WebSocketUrl).toBe('wss://def.execute-api.eu-west-1.amazonaws.com/live');
  });

  it('reads a cdklocal outputs file: LocalStack API URLs, a key id and no value', async () => {
    // Hosts under localhost.localstack.cloud, the API URL without its trailing slash.
    const file = await outputsFile({
      DataSharingStack: {
        ...suiteOutputs,
        ApiUrl: 'https://abc123.execute-api.localhost.localstack.cloud:4566/prod',
        ApiKeyId: 'ls-key',
        WebSocketUrl: 'wss://def456.execute-api.localhost.localstack.cloud:4566/live',
        OrderQueueUrl:
          'http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/DataSharingStack-Order',
      },
    });
    const fetched: string[] = [];
    const target = await targetFromOutputs('localstack', file, async (id) => {
      fetched.push(id);
      return 'ls-key-value';
    });
    expect(fetched).toEqual(['ls-key']);
    expect(target.apiUrl).toBe('https://abc123.execute-api.localhost.localstack.cloud:4566/prod/');
    expect(target.apiKey).toBe('ls-key-value');
    expect(target.outputs.OrderQueueUrl).toContain('localhost.localstack.cloud');
  });

  it('refuses an outputs file with neither the key value nor its id', async () => {
    const file = await outputsFile({ DataSharingStack: { ApiUrl: 'https://x/prod/', ...suiteOutputs } });
    await expect(targetFromOutputs('aws', file, noFetch)).rejects.toThrow(
      /has neither DataSharingStack\.ApiKey nor DataSharingStack\.ApiKeyId/,
    );
  });

  it('names every output the suite needs that the file lacks, such as WebSocketUrl from an older stack', async () => {
    const { WebSocketUrl: _ws, FilesBucketName: _bucket, ...older } = suiteOutputs;
    const file = await outputsFile({
      DataSharingStack: { ApiUrl: 'https://x/prod/', ApiKeyId: 'k', ...older },
    });
    await expect(targetFromOutputs('aws', file, noFetch)).rejects.toThrow(
      /has no DataSharingStack\.WebSocketUrl, DataSharingStack\.FilesBucketName: .*deploy this one again/,
    );
  });

  it('says to deploy first when the outputs file does not exist', async () => {
    await expect(targetFromOutputs('localstack', 'outputs.missing.json', noFetch)).rejects.toThrow(
      'outputs.missing.json does not exist: deploy first (npm run deploy or npm run localstack:deploy)',
    );
  });

  it('says what is missing from an outputs file', async () => {
    await expect(targetFromOutputs('aws', await outputsFile({ Other: {} }), noFetch)).rejects.toThrow(
      /has no DataSharingStack\.ApiUrl: deploy with --outputs-file/,
    );
  });
});

describe('SDK clients per target', () => {
  it('points local clients at the emulator of their service, with the local key and region', () => {
    expect(sdkClientConfig('local', 'SQS', { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4100' }, {})).toEqual({
      endpoint: 'http://127.0.0.1:4100',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  it('points LocalStack clients, API Gateway included, at the edge endpoint with test keys, as cdklocal does', () => {
    const environment = {
      AWS_ACCESS_KEY_ID: 'AKIAREAL',
      AWS_SECRET_ACCESS_KEY: 'real',
      AWS_REGION: 'eu-west-1',
    };
    expect(sdkClientConfig('localstack', 'APIGATEWAY', {}, environment)).toEqual({
      endpoint: 'http://localhost.localstack.cloud:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    expect(sdkClientConfig('localstack', 'S3', {}, environment)).toMatchObject({ forcePathStyle: true });
  });

  it('honours AWS_ENDPOINT_URL and, when AWS_ENVAR_ALLOWLIST names them, the region and keys on LocalStack', () => {
    expect(
      sdkClientConfig(
        'localstack',
        'DYNAMODB',
        {},
        {
          AWS_ENDPOINT_URL: 'http://192.168.1.5:4566',
          AWS_ENVAR_ALLOWLIST: 'AWS_REGION, AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY',
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: '111111111111',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      ),
    ).toEqual({
      endpoint: 'http://192.168.1.5:4566',
      region: 'eu-west-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' },
    });
  });

  it('leaves AWS clients to the default credential chain and region', () => {
    expect(sdkClientConfig('aws', 'KINESIS', {}, { AWS_PROFILE: 'dev' })).toEqual({});
  });
});
