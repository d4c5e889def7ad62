import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionBaseline } from '../../../bench/function-comparison.ts';
import {
  functionsAfter,
  readStoredResults,
  renderReport,
  withInnerLoop,
  writeResultFiles,
} from '../../../bench/results-file.ts';
import { innerLoop, wholeRun } from './results-fixtures.ts';

const baseline: FunctionBaseline = {
  note: 'One esbuild process per function.',
  commit: 'd8add53',
  measuredAt: '2026-11-23T00:23:31.870Z',
  functions: [{ name: 'ApiPayloadGetOrder', bundleBytes: 800 * 1024, initMs: 500 }],
};

describe('the results file', () => {
  const folders: string[] = [];
  afterAll(async () => {
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('puts a new inner loop in place of the old one and keeps every other section', () => {
    const stored = withInnerLoop({ ...wholeRun, innerLoop: { ...innerLoop, runs: 1 } }, innerLoop);
    expect(stored).toEqual({ ...wholeRun, innerLoop });
    expect(withInnerLoop(undefined, innerLoop)).toEqual({ innerLoop });
  });

  it('takes the functions after from a whole run newer than the baseline, init times included', () => {
    const after = functionsAfter({ ...wholeRun, innerLoop }, baseline);
    expect(after?.functions).toBe(wholeRun.functions);
    expect(after?.source).toContain(wholeRun.startedAt);
  });

  it('takes the bundle sizes of the inner loop when the whole run is the baseline’s own', () => {
    const after = functionsAfter({ ...wholeRun, startedAt: baseline.measuredAt, innerLoop }, baseline);
    expect(after?.functions).toBe(innerLoop.bundles);
    expect(after?.source).toContain('no init times');
    expect(functionsAfter({ ...wholeRun, startedAt: baseline.measuredAt }, baseline)).toBeUndefined();
  });

  it('renders an inner loop alone with the functions compared, and no pattern or cost section', () => {
    const report = renderReport({ innerLoop }, baseline);
    expect(report).toMatch(/^# Benchmark: inner loop only/);
    expect(report).toContain('## Functions before and after');
    expect(report).toContain('| ApiPayloadGetOrder | 800 KiB | 200 KiB (-75%) | 50 KiB | 500 ms | – |');
    expect(report).toContain('## Inner loop');
    expect(report).not.toContain('| pattern |');
    expect(report).not.toContain('per million');
  });

  it('renders a whole run with its patterns, the comparison, the inner loop and the costs, in that order', () => {
    const report = renderReport({ ...wholeRun, innerLoop }, baseline);
    const order = ['| 1. API payload |', '## Functions before and after', '## Inner loop', 'per million'].map(
      (text) => report.indexOf(text),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(report).toContain(
      '| ApiPayloadGetOrder | 800 KiB | 300 KiB (-62%) | 80 KiB | 500 ms | 150 ms (-70%) |',
    );
  });

  it('writes the results, the report and, for a whole run, the chart, and reads them back', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'bench-results-'));
    folders.push(out);
    expect(await readStoredResults(out)).toBeUndefined();

    await writeResultFiles(out, { innerLoop }, baseline);
    expect(await readStoredResults(out)).toEqual({ innerLoop });
    await expect(readFile(path.join(out, 'latency.svg'))).rejects.toThrow();

    const report = await writeResultFiles(out, withInnerLoop(wholeRun, innerLoop), baseline);
    const stored = await readStoredResults(out);
    expect(stored).toMatchObject({ patterns: wholeRun.patterns, innerLoop });
    expect(stored).toHaveProperty('costs');
    expect(await readFile(path.join(out, 'report.md'), 'utf8')).toBe(report);
    expect(await readFile(path.join(out, 'latency.svg'), 'utf8')).toContain('1. API payload');
  });
});
