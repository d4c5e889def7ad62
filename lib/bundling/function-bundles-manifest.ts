import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The file, beside the cloud assembly's templates, that says which function runs which handler entry: what watch
 * mode needs to rebuild only the bundles a changed file reaches and to swap the code of the functions that run them.
 */
export const FUNCTION_BUNDLES_FILE = 'function-bundles.json';

/** One function of the assembly and the entry its bundle was built from. */
export interface FunctionBundleRecord {
  /** The handler file, relative to the project root (`lambda/api-payload/get-order.ts`). */
  readonly entry: string;
  readonly stackName: string;
  /** The logical id of the `AWS::Lambda::Function` resource in that stack's template. */
  readonly logicalId: string;
}

/** The records an assembly holds; none when it has no such file (an assembly written by another app). */
export function readFunctionBundles(assemblyDirectory: string): FunctionBundleRecord[] {
  try {
    return JSON.parse(
      readFileSync(path.join(assemblyDirectory, FUNCTION_BUNDLES_FILE), 'utf8'),
    ) as FunctionBundleRecord[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}
