import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSizes, functionName } from '../../../bench/bundle-size.ts';

describe('bundle sizes', () => {
  let assembly = '';
  const code = `export const handler = async () => ${JSON.stringify('x'.repeat(5000))};\n`;

  beforeAll(async () => {
    assembly = await mkdtemp(path.join(tmpdir(), 'bundle-size-'));
    await mkdir(path.join(assembly, 'asset.abc'));
    await writeFile(path.join(assembly, 'asset.abc', 'index.mjs'), code);
    await writeFile(path.join(assembly, 'asset.abc', 'index.mjs.map'), '{"version":3}'.repeat(1000));
    const template = {
      Resources: {
        GetOrderFunction40AE5B45: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.abc' },
          Properties: {},
        },
        // Inline code (CDK's own handlers) has no asset folder: no bundle of ours to size.
        BucketNotificationsHandler050a0587: { Type: 'AWS::Lambda::Function', Properties: {} },
        Orders: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      },
    };
    await writeFile(path.join(assembly, 'Stack.template.json'), JSON.stringify(template));
  });
  afterAll(async () => {
    await rm(assembly, { recursive: true, force: true });
  });

  it('names a function by its logical id without CDK’s Function-and-hash suffix', () => {
    expect(functionName('ApiPayloadGetOrderFunction40AE5B45')).toBe('ApiPayloadGetOrder');
    expect(functionName('BucketNotificationsHandler050a0587')).toBe('BucketNotificationsHandler050a0587');
  });

  it('sizes each bundled function’s code, raw and gzipped, without its source map', async () => {
    expect(await bundleSizes(assembly, 'Stack')).toEqual([
      {
        name: 'GetOrder',
        logicalId: 'GetOrderFunction40AE5B45',
        bundleBytes: Buffer.byteLength(code),
        gzipBytes: gzipSync(code).length,
      },
    ]);
    expect(gzipSync(code).length).toBeLessThan(Buffer.byteLength(code) / 10);
  });
});
