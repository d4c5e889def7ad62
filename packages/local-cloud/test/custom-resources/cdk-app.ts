import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../src/account.ts';

/** A CDK app synthesized into a cloud assembly of its own, as `cdk synth` writes one. */
export interface SynthesizedApp {
  /** The cloud assembly folder. */
  readonly directory: string;
}

/** Synthesizes one stack, built by `build`, into a new temporary folder. */
export async function synthesize(stackName: string, build: (stack: Stack) => void): Promise<SynthesizedApp> {
  const directory = await mkdtemp(path.join(tmpdir(), 'cdk-app-'));
  const app = new App({ outdir: directory });
  const stack = new Stack(app, stackName, { env: { account: LOCAL_ACCOUNT_ID, region: LOCAL_REGION } });
  build(stack);
  app.synth();
  return { directory };
}
