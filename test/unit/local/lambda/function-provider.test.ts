import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionProvider } from '../../../../local/lambda/function-provider.ts';
import type { FunctionConfig } from '../../../../local/lambda/types.ts';

const ASSET = path.resolve('test/fixtures/lambda/echo');

function provider(registered: FunctionConfig[]) {
  return functionProvider({
    host: { register: (config) => registered.push(config) },
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
});
