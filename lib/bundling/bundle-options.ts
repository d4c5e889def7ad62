import type { BuildOptions } from 'esbuild';

/**
 * How every function is bundled: one ESM file per handler for Node.js 22, minified, with a source map, and with the
 * AWS SDK inside (the runtime's built-in copy changes version under us; the version we test is the version that
 * runs). The same options serve `cdk synth`, `cdk deploy` and the local cloud's watch mode.
 */
export const FUNCTION_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // Maps for stack traces (Lambda's NODE_OPTIONS=--enable-source-maps): the positions and file names, without a copy of
  // every source file (which made the maps 61 MB for 13 MB of code, all written, hashed, staged and uploaded).
  sourcesContent: false,
  // ESM builds of dependencies first: they tree-shake.
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  // The SDK's default credential chain imports these providers on demand, after the environment provider. Lambda
  // puts the role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN:
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime), and so
  // does the local cloud, so they are never reached; left out, they take about 115 KB off every bundle.
  external: [
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-web-identity',
  ],
  // Some CommonJS dependencies call require(); ESM bundles need it defined.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** The file name of a bundle inside its folder: Lambda's handler setting is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';
