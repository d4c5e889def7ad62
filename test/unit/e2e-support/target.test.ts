import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { targetFromOutputs, targetName } from '../../e2e/target.ts';

async function outputsFile(content: unknown): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'outputs-')), 'outputs.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

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
      DataSharingStack: { ApiUrl: 'http://127.0.0.1:4010/abc/prod', ApiKey: 'value', ApiKeyId: 'id' },
    });
    expect(await targetFromOutputs('local', file, noFetch)).toEqual({
      name: 'local',
      apiUrl: 'http://127.0.0.1:4010/abc/prod/',
      apiKey: 'value',
      outputs: { ApiUrl: 'http://127.0.0.1:4010/abc/prod', ApiKey: 'value', ApiKeyId: 'id' },
      endpoints: {},
    });
  });

  it('fetches the key value by id when a cdk deploy outputs file has only the id', async () => {
    const file = await outputsFile({
      DataSharingStack: { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/', ApiKeyId: 'k1' },
    });
    const target = await targetFromOutputs('aws', file, async (id) => `value-of-${id}`);
    expect(target.apiKey).toBe('value-of-k1');
  });

  it('says what is missing from an outputs file', async () => {
    await expect(targetFromOutputs('aws', await outputsFile({ Other: {} }), noFetch)).rejects.toThrow(
      /has no DataSharingStack\.ApiUrl: deploy with --outputs-file/,
    );
  });
});
