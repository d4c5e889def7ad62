import { describe, expect, it } from 'vitest';
import type { AsyncInvokeConfig } from '../../src/lambda/async-invocation.ts';
import { eventInvokeConfigProvider } from '../../src/lambda/event-invoke-config-provider.ts';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:failures';

function request(properties: Record<string, unknown>) {
  return {
    logicalId: 'ProcessorEventInvokeConfig',
    type: 'AWS::Lambda::EventInvokeConfig',
    properties,
    stackName: 'Stack',
    region: 'us-east-1',
    accountId: '000000000000',
  };
}

function recording() {
  const configured: Array<[string, Partial<AsyncInvokeConfig>]> = [];
  const provider = eventInvokeConfigProvider({
    configure: (name, config) => configured.push([name, config]),
  });
  return { provider, configured };
}

describe('eventInvokeConfigProvider', () => {
  it('configures the function from what CDK writes for retryAttempts and an SQS onFailure destination', async () => {
    const { provider, configured } = recording();
    const created = await provider.create(
      request({
        FunctionName: 'processor',
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: QUEUE_ARN } },
      }),
    );
    expect(created.physicalId).toBe('processor:$LATEST');
    expect(configured).toEqual([
      ['processor', { maximumRetryAttempts: 1, maximumEventAgeSeconds: 3600, onFailure: QUEUE_ARN }],
    ]);
  });

  it('leaves unset settings to the queue defaults and takes a function ARN', async () => {
    const { provider, configured } = recording();
    await provider.create(
      request({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:processor',
        Qualifier: '$LATEST',
        DestinationConfig: { OnSuccess: { Destination: QUEUE_ARN } },
      }),
    );
    expect(configured).toEqual([['processor', { onSuccess: QUEUE_ARN }]]);
  });

  const where = 'Stack: resource ProcessorEventInvokeConfig (AWS::Lambda::EventInvokeConfig)';
  it.each([
    [{ FunctionName: 'f', Qualifier: 'live' }, `${where}: property Qualifier: live is not supported`],
    [{ FunctionName: 'f' }, `${where}: property Qualifier: required, expected string`],
    [
      { FunctionName: 'f', Qualifier: '$LATEST', MaximumRetryAttempts: 3 },
      `${where}: property MaximumRetryAttempts: expected at most 2, got 3`,
    ],
    [
      { FunctionName: 'f', Qualifier: '$LATEST', MaximumRetryAttempts: 'two' },
      `${where}: property MaximumRetryAttempts: expected number, got "two"`,
    ],
    [
      { FunctionName: 'f', Qualifier: '$LATEST', MaximumEventAgeInSeconds: 59 },
      'property MaximumEventAgeInSeconds: expected at least 60, got 59',
    ],
    [
      { FunctionName: 'f', Qualifier: '$LATEST', MaximumEventAgeInSeconds: '21601' },
      'property MaximumEventAgeInSeconds: expected at most 21600, got 21601',
    ],
    [
      {
        FunctionName: 'f',
        Qualifier: '$LATEST',
        DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::records' } },
      },
      'property DestinationConfig.OnSuccess.Destination: an S3 bucket cannot be an OnSuccess destination',
    ],
    [{ Qualifier: '$LATEST' }, `${where}: property FunctionName: required, expected string`],
  ])('refuses %j', async (properties, message) => {
    const { provider, configured } = recording();
    await expect(provider.create(request(properties))).rejects.toThrow(message);
    expect(configured).toEqual([]);
  });

  it('replaces the settings on update and brings back Lambda’s defaults on delete', async () => {
    const { provider, configured } = recording();
    const base = { FunctionName: 'processor', Qualifier: '$LATEST' };
    const updated = await provider.update?.({
      ...request({ ...base, MaximumRetryAttempts: 0 }),
      physicalId: 'processor:$LATEST',
      oldProperties: { ...base, MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 },
      oldAttributes: {},
    });
    expect(updated?.physicalId).toBe('processor:$LATEST');
    await provider.delete?.({ ...request(base), physicalId: 'processor:$LATEST', attributes: {} });
    // The age setting is gone with the update, as PutFunctionEventInvokeConfig replaces the whole configuration.
    expect(configured).toEqual([
      ['processor', { maximumRetryAttempts: 0 }],
      ['processor', {}],
    ]);
  });
});
