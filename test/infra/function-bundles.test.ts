import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFunctionBundles } from '../../lib/bundling/function-bundles-manifest.ts';
import { readTestTemplate, TEST_ASSEMBLY_DIRECTORY } from '../helpers/test-assembly.ts';

interface FunctionBundle {
  readonly entry: string;
  /** Every source file the bundle holds code from (its source map's `sources`). */
  readonly sources: readonly string[];
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

let bundles: FunctionBundle[];

beforeAll(() => {
  const template = readTestTemplate('DataSharingStack') as {
    Resources: Record<string, { Metadata?: Record<string, unknown> }>;
  };
  bundles = readFunctionBundles(TEST_ASSEMBLY_DIRECTORY).map((record) => {
    const assetPath = template.Resources[record.logicalId]?.Metadata?.['aws:asset:path'];
    const map = JSON.parse(
      readFileSync(path.join(TEST_ASSEMBLY_DIRECTORY, String(assetPath), 'index.mjs.map'), 'utf8'),
    ) as { sources: string[] };
    return { entry: record.entry, sources: map.sources };
  });
});

const holds = (bundle: FunctionBundle, module: string): boolean =>
  bundle.sources.some((source) => source.includes(`node_modules/${module}/`));

describe('function bundles (the assembly the test run synthesized)', () => {
  it("has one bundle per function with code from an asset (all but the CDK's inline one), built from its handler", () => {
    const template = readTestTemplate('DataSharingStack') as {
      Resources: Record<string, { Type: string; Properties: { Code: { ZipFile?: string } } }>;
    };
    const fromAssets = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' && resource.Properties.Code.ZipFile === undefined,
    );
    expect(bundles).toHaveLength(fromAssets.length);
    for (const bundle of bundles) {
      expect(
        bundle.sources.some((source) => source.endsWith(bundle.entry)),
        bundle.entry,
      ).toBe(true);
    }
  });

  it('puts the PDF writer in the receipt worker alone, and no PDF library in any function', () => {
    const withPdf = bundles
      .filter((bundle) => bundle.sources.some((source) => source.endsWith('lambda/domain/text-pdf.ts')))
      .map((bundle) => bundle.entry);
    expect(withPdf).toEqual(['lambda/message-queue/process-orders.ts']);
    expect(
      bundles.filter((bundle) => holds(bundle, '@cantoo/pdf-lib')).map((bundle) => bundle.entry),
    ).toEqual([]);
  });

  it('keeps only the parts of zod a function uses: none of its translations', () => {
    for (const bundle of bundles) {
      expect(
        bundle.sources.filter(
          (source) => source.includes('node_modules/zod/v4/locales/') && !source.endsWith('en.js'),
        ),
        bundle.entry,
      ).toEqual([]);
    }
  });

  it('leaves out the credential providers Lambda never reaches, and keeps the environment one', () => {
    for (const bundle of bundles) {
      for (const provider of ['sso', 'ini', 'process', 'web-identity']) {
        expect(
          holds(bundle, `@aws-sdk/credential-provider-${provider}`),
          `${bundle.entry}: ${provider}`,
        ).toBe(false);
      }
      if (holds(bundle, '@aws-sdk/credential-provider-node')) {
        expect(holds(bundle, '@aws-sdk/credential-provider-env'), bundle.entry).toBe(true);
      }
    }
  });

  it('gives a function only the SDK clients its own code imports', () => {
    const clients = [
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-sqs',
      '@aws-sdk/client-sns',
      '@aws-sdk/client-kinesis',
      '@aws-sdk/client-apigatewaymanagementapi',
    ];
    for (const bundle of bundles) {
      // The project's own files in the bundle, by their path from the project root.
      const ownCode = bundle.sources
        .filter((source) => !source.includes('node_modules/') && source.includes('lambda/'))
        .map((source) =>
          readFileSync(path.join(PROJECT_ROOT, source.slice(source.indexOf('lambda/'))), 'utf8'),
        );
      for (const client of clients) {
        const imported = ownCode.some((code) => code.includes(`from '${client}'`));
        expect(holds(bundle, client), `${bundle.entry}: ${client}`).toBe(imported);
      }
    }
  });

  it('reaches S3 through the small REST client: no function carries the full S3 client or its presigner', () => {
    const usesS3 = bundles.filter((bundle) =>
      bundle.sources.some((source) => source.endsWith('lambda/shared/s3-rest-client.ts')),
    );
    expect(usesS3.map((bundle) => bundle.entry).sort()).toEqual([
      'lambda/file-drop/create-upload.ts',
      'lambda/file-drop/get-file.ts',
      'lambda/file-drop/process-upload.ts',
      'lambda/message-queue/get-status.ts',
      'lambda/message-queue/process-orders.ts',
      'lambda/message-queue/submit-order.ts',
    ]);
    for (const bundle of bundles) {
      expect(holds(bundle, '@aws-sdk/client-s3'), bundle.entry).toBe(false);
      expect(holds(bundle, '@aws-sdk/s3-request-presigner'), bundle.entry).toBe(false);
    }
  });
});
