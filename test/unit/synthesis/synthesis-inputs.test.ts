import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assemblyIsCurrent,
  inputsDigest,
  recordInputs,
  type SynthesisInputs,
} from '../../../bin/synthesis-inputs.ts';
import { writeAssembly } from '../../helpers/assembly.ts';

const INPUTS: SynthesisInputs = {
  folders: ['lib'],
  files: ['cdk.json'],
  environment: ['CDK_CONTEXT_JSON'],
};

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'synthesis-inputs-'));
  await mkdir(path.join(root, 'lib', 'patterns'), { recursive: true });
  await writeFile(path.join(root, 'lib', 'patterns', 'queue.ts'), 'export const a = 1;\n');
  await writeFile(path.join(root, 'cdk.json'), '{}\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('inputsDigest', () => {
  it('is the same for the same files and context', () => {
    expect(inputsDigest(root, INPUTS, {})).toBe(inputsDigest(root, INPUTS, {}));
  });

  it('changes with a file’s content, a new file, a listed file, or the context the CLI passes', async () => {
    const before = inputsDigest(root, INPUTS, {});
    await writeFile(path.join(root, 'lib', 'patterns', 'queue.ts'), 'export const a = 2;\n');
    const edited = inputsDigest(root, INPUTS, {});
    await writeFile(path.join(root, 'lib', 'patterns', 'stream.ts'), '');
    const added = inputsDigest(root, INPUTS, {});
    await writeFile(path.join(root, 'cdk.json'), '{"context":{}}\n');
    const settings = inputsDigest(root, INPUTS, {});
    const context = inputsDigest(root, INPUTS, { CDK_CONTEXT_JSON: '{"consoleOrigin":"x"}' });

    expect(new Set([before, edited, added, settings, context]).size).toBe(5);
  });

  it('ignores files outside the inputs', async () => {
    const before = inputsDigest(root, INPUTS, {});
    await writeFile(path.join(root, 'README.md'), 'docs');
    expect(inputsDigest(root, INPUTS, {})).toBe(before);
  });
});

describe('assemblyIsCurrent', () => {
  it('holds for a complete assembly recorded with the same digest, and not for another digest', async () => {
    const assembly = await writeAssembly('Stack', { Resources: {} }, { abc: { 'index.mjs': '' } });
    recordInputs(assembly, 'digest-1');

    expect(assemblyIsCurrent(assembly, 'digest-1')).toBe(true);
    expect(assemblyIsCurrent(assembly, 'digest-2')).toBe(false);
  });

  it('does not hold when a staged asset or the template is gone, or nothing was recorded', async () => {
    const assembly = await writeAssembly('Stack', { Resources: {} }, { abc: { 'index.mjs': '' } });
    expect(assemblyIsCurrent(assembly, 'digest-1')).toBe(false);

    recordInputs(assembly, 'digest-1');
    await rm(path.join(assembly, 'asset.abc'), { recursive: true });
    expect(assemblyIsCurrent(assembly, 'digest-1')).toBe(false);

    const other = await writeAssembly('Stack', { Resources: {} }, {});
    recordInputs(other, 'digest-1');
    await rm(path.join(other, 'Stack.template.json'));
    expect(assemblyIsCurrent(other, 'digest-1')).toBe(false);
  });
});
