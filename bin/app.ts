import path from 'node:path';
import { assemblyIsCurrent, inputsDigest, recordInputs } from './synthesis-inputs.ts';

// The CDK app loads only once it is known that something changed: when nothing that synthesis reads has changed
// since it wrote the assembly in CDK_OUTDIR, that assembly is the result, and `cdk synth` ends in about a second.
const digest = inputsDigest(path.resolve(import.meta.dirname, '..'));
const outdir = process.env.CDK_OUTDIR;
if (!(outdir && assemblyIsCurrent(outdir, digest))) {
  const { dataSharingApp } = await import('./data-sharing-app.ts');
  const app = dataSharingApp();
  app.synth();
  recordInputs(app.outdir, digest);
}
