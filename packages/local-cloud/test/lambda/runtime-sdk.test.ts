import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHost } from '../../src/lambda/host.ts';
import { fixtureFunction, payloadOf, testHost } from './lambda-host-fixtures.ts';

interface SdkReport {
  clientResolvedFrom: string;
  region: string;
  command: string;
  smithy: string;
}

// Code folders outside this project, as a cloud assembly may be: no node_modules above them has the SDK.
let outside: string;
let host: LambdaHost | undefined;

beforeAll(async () => {
  outside = await mkdtemp(path.join(tmpdir(), 'runtime-sdk-'));
  for (const fixture of ['runtime-sdk-esm', 'runtime-sdk-cjs']) {
    await cp(path.resolve(import.meta.dirname, '../fixtures/lambda', fixture), path.join(outside, fixture), {
      recursive: true,
    });
  }
});

afterAll(async () => {
  await rm(outside, { recursive: true, force: true });
});

afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function run(name: string, folder: string): Promise<SdkReport> {
  host = testHost().host;
  host.register({ ...fixtureFunction(name), codeDirectory: path.join(outside, folder) });
  return payloadOf<SdkReport>(await host.invoke(name, '{}'));
}

const localCloudSdk = path.resolve(import.meta.dirname, '../../../../node_modules/@aws-sdk/client-s3');

describe('the AWS SDK the Lambda runtime provides', { timeout: 30_000 }, () => {
  it('is importable from an ES module handler whose bundle leaves @aws-sdk/* out', async () => {
    const report = await run('esm', 'runtime-sdk-esm');
    expect(report.clientResolvedFrom.startsWith(`file://${localCloudSdk}/`)).toBe(true);
    expect(report).toMatchObject({ region: 'eu-west-1', command: 'ListBucketsCommand', smithy: 'function' });
  });

  it('is requirable from a CommonJS handler', async () => {
    const report = await run('cjs', 'runtime-sdk-cjs');
    expect(report.clientResolvedFrom.startsWith(`${localCloudSdk}/`)).toBe(true);
    expect(report).toMatchObject({ region: 'eu-west-1', command: 'ListBucketsCommand', smithy: 'function' });
  });

  it('gives way to a copy the function ships in its own node_modules', async () => {
    const folder = path.join(outside, 'own-copy');
    const ownSdk = path.join(folder, 'node_modules/@aws-sdk/client-s3');
    await mkdir(ownSdk, { recursive: true });
    await writeFile(
      path.join(ownSdk, 'package.json'),
      JSON.stringify({ name: '@aws-sdk/client-s3', main: 'index.js' }),
    );
    await writeFile(path.join(ownSdk, 'index.js'), 'exports.bundled = "own copy";');
    await writeFile(
      path.join(folder, 'index.js'),
      'const sdk = require("@aws-sdk/client-s3"); exports.handler = async () => ({ bundled: sdk.bundled, from: require.resolve("@aws-sdk/client-s3") });',
    );
    host = testHost().host;
    host.register({ ...fixtureFunction('own'), codeDirectory: folder });
    expect(payloadOf(await host.invoke('own', '{}'))).toEqual({
      bundled: 'own copy',
      from: path.join(ownSdk, 'index.js'),
    });
  });

  it.each([
    ['a package the runtime does not provide', 'left-pad-not-here'],
    ['an SDK client the local cloud does not have', '@aws-sdk/client-xray'],
  ])('fails the init of an ES module handler that imports %s, naming its file', async (_, specifier) => {
    const folder = path.join(outside, `missing-${specifier.replace(/\W/g, '')}`);
    await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, 'index.mjs'),
      `import "${specifier}"; export const handler = async () => 1;`,
    );
    host = testHost().host;
    host.register({ ...fixtureFunction('missing'), codeDirectory: folder });
    const outcome = await host.invoke('missing', '{}');
    // What Lambda answers for an ES module's missing package: a plain Error with Node's code and message.
    expect(JSON.parse((outcome as { payload: string }).payload)).toMatchObject({
      errorType: 'Error',
      errorMessage: expect.stringContaining(
        `Cannot find package '${specifier}' imported from ${folder}/index.mjs`,
      ),
    });
  });
});
