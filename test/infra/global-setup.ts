import { synthesizeTestAssembly } from '../helpers/test-assembly.ts';

/** Synthesizes the app once for every infra test file (and for the e2e suite after them). */
export default async function setup(): Promise<void> {
  await synthesizeTestAssembly();
}
