import { rm } from 'node:fs/promises';
import path from 'node:path';
import { CfnOutput } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { LogGroupRetentions, logRetentionProvider } from '../../src/custom-resources/log-retention.ts';
import { synthesize } from './cdk-app.ts';

const directories: string[] = [];
let cloud: LocalCloud | undefined;

afterEach(async () => {
  await cloud?.stop();
  cloud = undefined;
  await Promise.all(directories.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A function with `logRetention`, as CDK writes it: a `Custom::LogRetention` beside the function. */
async function appWithRetention(retention: logs.RetentionDays) {
  const app = await synthesize('Logs', (stack) => {
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => "ran";'),
      logRetention: retention,
    });
    // CDK reads the group's name back from the custom resource (Fn::GetAtt LogGroupName).
    new CfnOutput(stack, 'LogGroup', { value: fn.logGroup.logGroupName });
    new CfnOutput(stack, 'FunctionName', { value: fn.functionName });
  });
  directories.push(app.directory);
  return app;
}

describe('Custom::LogRetention on the local cloud', { timeout: 60_000 }, () => {
  it('creates what CDK synthesizes for logRetention, answering LogGroupName, and records the retention', async () => {
    const app = await appWithRetention(logs.RetentionDays.ONE_WEEK);
    const lines: string[] = [];
    cloud = await startLocalCloud({
      assemblyDirectory: app.directory,
      stateDirectory: path.join(app.directory, 'state'),
      port: 0,
      onOutput: (source, line) => lines.push(`${source}: ${line}`),
    });
    const outputs = cloud.outputs.Logs ?? {};
    expect(outputs.LogGroup).toBe(`/aws/lambda/${outputs.FunctionName}`);
    expect(lines).toContain(
      `cloudformation: /aws/lambda/${outputs.FunctionName}: retention 7 days (local logs last one run)`,
    );
  });

  it('refuses a retention CloudWatch Logs does not accept, naming the resource', async () => {
    const app = await appWithRetention(8 as logs.RetentionDays);
    await expect(
      startLocalCloud({
        assemblyDirectory: app.directory,
        stateDirectory: path.join(app.directory, 'state'),
        port: 0,
      }),
    ).rejects.toThrow(/FnLogRetention\w+.*RetentionInDays 8 is not a retention CloudWatch Logs accepts/);
  });
});

describe('logRetentionProvider', () => {
  const request = (properties: Record<string, unknown>) => ({
    logicalId: 'Retention',
    type: 'Custom::LogRetention',
    properties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:h', ...properties },
    stackName: 'S',
    region: 'us-east-1',
    accountId: '000000000000',
  });

  it('takes the retention as CloudFormation passes it (a string), and none as never expire', async () => {
    const retentions = new LogGroupRetentions();
    const provider = logRetentionProvider(retentions);
    await provider.create(request({ LogGroupName: '/aws/lambda/a', RetentionInDays: '30' }));
    await provider.create(request({ LogGroupName: '/aws/lambda/b' }));
    expect(retentions.retentionOf('/aws/lambda/a')).toBe(30);
    expect(retentions.has('/aws/lambda/b')).toBe(true);
    expect(retentions.retentionOf('/aws/lambda/b')).toBeUndefined();
  });

  it('forgets the log group on delete only with RemovalPolicy destroy, as the handler deletes it', async () => {
    const retentions = new LogGroupRetentions();
    const provider = logRetentionProvider(retentions);
    for (const [name, removalPolicy] of [
      ['/kept', undefined],
      ['/destroyed', 'destroy'],
    ] as const) {
      const properties = { LogGroupName: name, RetentionInDays: 1, RemovalPolicy: removalPolicy };
      const created = await provider.create(request(properties));
      await provider.delete?.({ ...request(properties), physicalId: created.physicalId, attributes: {} });
    }
    expect(retentions.retentionOf('/kept')).toBe(1);
    expect(retentions.has('/destroyed')).toBe(false);
  });
});
