import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface SynthesizeOptions {
  /** Where the assembly is written (`cdk synth --output`). */
  readonly outputDirectory: string;
  /** The CDK project: where `cdk.json` is, and whose CDK CLI runs. @default the working directory */
  readonly projectDirectory?: string;
  /** The command that runs the app (`cdk synth --app`). @default `app` in the project's `cdk.json` */
  readonly app?: string;
}

/**
 * Runs `cdk synth` in a CDK project with the project's own CDK CLI (`node_modules/.bin/cdk`, the version the project
 * pins), writing the cloud assembly to `outputDirectory`. Offline: no notices, no version check, no telemetry.
 */
export async function synthesize(options: SynthesizeOptions): Promise<void> {
  const projectDirectory = path.resolve(options.projectDirectory ?? '.');
  const cdk = path.join(projectDirectory, 'node_modules', '.bin', 'cdk');
  if (!existsSync(cdk)) {
    throw new Error(
      `No CDK CLI in ${projectDirectory}: install it in the project (npm install --save-dev aws-cdk), or synthesize with your own command and pass the assembly folder (--no-synth --assembly <dir>)`,
    );
  }
  const args = ['synth', '--quiet', '--no-notices', '--output', path.resolve(options.outputDirectory)];
  if (options.app) {
    args.push('--app', options.app);
  }
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cdk, args, {
      cwd: projectDirectory,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(`cdk synth failed (exit ${code}):\n${output.join('').trim()}`);
  }
}
