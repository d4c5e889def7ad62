import { spawn } from 'node:child_process';
import path from 'node:path';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Runs `cdk synth` with the project's pinned CDK CLI, writing the cloud assembly to `outputDirectory`.
 * Offline: no notices, no version check, no telemetry.
 */
export async function synthesize(options: { readonly outputDirectory: string }): Promise<void> {
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  const args = ['synth', '--quiet', '--no-notices', '--output', options.outputDirectory];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cdk, args, {
      cwd: PROJECT_ROOT,
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
