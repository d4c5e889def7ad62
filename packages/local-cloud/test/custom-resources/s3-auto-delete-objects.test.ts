import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CfnOutput, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/account.ts';
import { type LocalCloud, startLocalCloud } from '../../src/cloud.ts';
import { synthesize } from './cdk-app.ts';

/** Version 1: two buckets, only `Emptied` with autoDeleteObjects. `Kept` lets its flag be turned off later. */
function buckets(stack: Stack, options: { emptied: boolean; kept: 'auto' | 'plain' | 'gone' }): void {
  // A queue keeps the stack's emulator (fauxqs) needed when the buckets are gone.
  new sqs.Queue(stack, 'Anchor');
  if (options.emptied) {
    const emptied = new s3.Bucket(stack, 'Emptied', {
      autoDeleteObjects: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnOutput(stack, 'EmptiedName', { value: emptied.bucketName });
  }
  if (options.kept !== 'gone') {
    const kept = new s3.Bucket(stack, 'Kept', {
      autoDeleteObjects: options.kept === 'auto',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnOutput(stack, 'KeptName', { value: kept.bucketName });
  }
}

describe('Custom::S3AutoDeleteObjects on the local cloud', { timeout: 90_000 }, () => {
  const directories: string[] = [];
  let cloud: LocalCloud;
  let client: S3Client;
  let emptied: string;
  let kept: string;

  const update = async (options: Parameters<typeof buckets>[1]) => {
    const app = await synthesize('AutoDelete', (stack) => buckets(stack, options));
    directories.push(app.directory);
    const summary = await cloud.update(app.directory);
    return summary.stacks[0];
  };
  const keys = async (bucket: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);

  beforeAll(async () => {
    const app = await synthesize('AutoDelete', (stack) => buckets(stack, { emptied: true, kept: 'auto' }));
    directories.push(app.directory);
    cloud = await startLocalCloud({
      assemblyDirectory: app.directory,
      stateDirectory: path.join(app.directory, 'state'),
      port: 0,
    });
    client = new S3Client({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: cloud.emulatorEndpoints.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
    });
    emptied = cloud.outputs.AutoDelete?.EmptiedName as string;
    kept = cloud.outputs.AutoDelete?.KeptName as string;
    for (const bucket of [emptied, kept]) {
      for (const key of ['a.txt', 'deep/b.txt', 'deep/er/c.txt']) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      }
    }
  });

  afterAll(async () => {
    client?.destroy();
    await cloud?.stop();
    await Promise.all(directories.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('leaves the objects alone while the bucket stays', async () => {
    expect(await keys(emptied)).toHaveLength(3);
  });

  it('keeps the objects of a bucket whose autoDeleteObjects is turned off (its tag goes first)', async () => {
    const summary = await update({ emptied: true, kept: 'plain' });
    expect(summary?.deleted.some((id) => id.startsWith('KeptAutoDeleteObjectsCustomResource'))).toBe(true);
    expect(summary?.cleanupFailures).toEqual([]);
    expect(await keys(kept)).toEqual(['a.txt', 'deep/b.txt', 'deep/er/c.txt']);
  });

  it('empties a removed bucket before deleting it, and fails to delete a bucket without it, as S3 does', async () => {
    const summary = await update({ emptied: false, kept: 'gone' });
    expect(summary?.deleted).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Emptied/), expect.stringMatching(/^Kept/)]),
    );
    // Only the bucket that was not emptied is left behind.
    expect(summary?.cleanupFailures.map((failure) => failure.logicalId)).toEqual([
      expect.stringMatching(/^Kept[0-9A-F]{8}$/),
    ]);
    await expect(keys(emptied)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(await keys(kept)).toHaveLength(3);
  });
});
