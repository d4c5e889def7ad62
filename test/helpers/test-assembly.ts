import { readFileSync } from 'node:fs';
import path from 'node:path';
import { synthesize } from '@serverless-data-sharing/local-cloud';

/**
 * Where the test run's cloud assembly is: synthesized once, with the CDK CLI and cdk.json's context as `cdk deploy`
 * does, then read by the infra tests and run by the e2e suite. A later run reuses it while nothing it was
 * synthesized from has changed.
 */
export const TEST_ASSEMBLY_DIRECTORY = path.resolve('.local-cloud', 'assembly');

/** Synthesizes the app into {@link TEST_ASSEMBLY_DIRECTORY} (a cache hit when nothing changed) and returns it. */
export async function synthesizeTestAssembly(): Promise<string> {
  await synthesize({ outputDirectory: TEST_ASSEMBLY_DIRECTORY });
  return TEST_ASSEMBLY_DIRECTORY;
}

/** A stack's template from the test assembly, as CloudFormation receives it. */
export function readTestTemplate(stackName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(TEST_ASSEMBLY_DIRECTORY, `${stackName}.template.json`), 'utf8'));
}
