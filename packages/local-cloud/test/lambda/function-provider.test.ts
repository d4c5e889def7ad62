import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionProvider } from '../../src/lambda/function-provider.ts';
import type { FunctionConfig } from '../../src/lambda/types.ts';

const ASSET = path.resolve(import.meta.dirname, '../fixtures/lambda/echo');

function provider(registered: FunctionConfig[], calls: string[] = []) {
  return functionProvider({
    host: {
      register: (config) => registered.push(config),
      update: (config) => {
        calls.push(`update ${config.functionName}`);
        registered.push(config);
      },
      unregister: (name) => calls.push(`unregister ${name}`),
    },
    assetsByObjectKey: new Map([['echo.zip', ASSET]]),
    scratchDirectory: path.resolve('.local-cloud/test'),
    rewriteEndpoints: (value) => value,
  });
}

describe('functionProvider', () => {
  it('passes the log group the logging configuration names to the host', async () => {
    const registered: FunctionConfig[] = [];
    await provider(registered).create({
      logicalId: 'EchoFunction',
      type: 'AWS::Lambda::Function',
      properties: {
        FunctionName: 'echo',
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Code: { S3Key: 'echo.zip' },
        LoggingConfig: { LogGroup: 'DataSharingStack-EchoLogs-1A2B3C' },
      },
      stackName: 'DataSharingStack',
      region: 'eu-west-1',
      accountId: '000000000000',
    });
    expect(registered).toEqual([
      expect.objectContaining({
        functionName: 'echo',
        codeDirectory: ASSET,
        logGroupName: 'DataSharingStack-EchoLogs-1A2B3C',
        timeoutSeconds: 3,
        memorySizeMb: 128,
      }),
    ]);
  });

  const echo = {
    logicalId: 'EchoFunction',
    type: 'AWS::Lambda::Function',
    stackName: 'DataSharingStack',
    region: 'eu-west-1',
    accountId: '000000000000',
  };
  const properties = (variables: Record<string, string>) => ({
    Handler: 'index.handler',
    Runtime: 'nodejs22.x',
    Code: { S3Key: 'echo.zip' },
    Environment: { Variables: variables },
  });

  it('gives the host the new configuration on update and removes the function on delete', async () => {
    const registered: FunctionConfig[] = [];
    const calls: string[] = [];
    const functions = provider(registered, calls);
    const created = await functions.create({ ...echo, properties: properties({ STAGE: 'one' }) });
    const updated = await functions.update?.({
      ...echo,
      properties: properties({ STAGE: 'two' }),
      physicalId: created.physicalId,
      oldProperties: properties({ STAGE: 'one' }),
      oldAttributes: created.attributes ?? {},
    });
    expect(updated).toEqual(created);
    await functions.delete?.({ ...echo, properties: {}, physicalId: created.physicalId, attributes: {} });
    expect(calls).toEqual([`update ${created.physicalId}`, `unregister ${created.physicalId}`]);
    expect(registered.map((config) => config.environment)).toEqual([{ STAGE: 'one' }, { STAGE: 'two' }]);
  });

  it('checks the new configuration before the host gets it', async () => {
    const calls: string[] = [];
    const functions = provider([], calls);
    await expect(
      functions.update?.({
        ...echo,
        properties: { ...properties({}), Runtime: 'python3.12' },
        physicalId: 'echo',
        oldProperties: properties({}),
        oldAttributes: {},
      }),
    ).rejects.toThrow(
      'resource EchoFunction (AWS::Lambda::Function): property Runtime: python3.12 is not supported; the local cloud runs Node.js',
    );
    expect(calls).toEqual([]);
  });

  it('names a replacement other than the function it replaces', async () => {
    const functions = provider([]);
    const first = await functions.create({ ...echo, properties: properties({}) });
    const second = await functions.create({
      ...echo,
      properties: properties({}),
      replaces: first.physicalId,
    });
    expect(first.physicalId).toMatch(/^DataSharingStack-EchoFunction-[A-Z0-9]{12}$/);
    expect(second.physicalId).toMatch(/^DataSharingStack-EchoFunction-[A-Z0-9]{12}$/);
    expect(second.physicalId).not.toBe(first.physicalId);
  });
});
