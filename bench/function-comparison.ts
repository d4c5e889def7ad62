import { readFile } from 'node:fs/promises';
import type { FunctionResult } from './report.ts';

/** The functions' figures from a run before a change, kept to compare later runs with. */
export interface FunctionBaseline {
  /** Where the figures came from and what was different then. */
  readonly note: string;
  /** The commit whose results file held them. */
  readonly commit: string;
  /** `startedAt` of the run that measured them. */
  readonly measuredAt: string;
  readonly functions: readonly FunctionResult[];
}

/** The functions' figures after the change, and what measured them. */
export interface FunctionsAfter {
  readonly functions: readonly FunctionResult[];
  /** One line: which run, and what it could not measure. */
  readonly source: string;
}

/** One function before and after; either side is absent when that run had no such function. */
export interface FunctionComparison {
  readonly name: string;
  readonly before?: FunctionResult;
  readonly after?: FunctionResult;
}

export async function readFunctionBaseline(file: string): Promise<FunctionBaseline | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as FunctionBaseline);
}

/** Pairs functions by name: the baseline's order first, then functions only the later run has. */
export function compareFunctions(
  before: readonly FunctionResult[],
  after: readonly FunctionResult[],
): FunctionComparison[] {
  const afterByName = new Map(after.map((f) => [f.name, f]));
  const beforeNames = new Set(before.map((f) => f.name));
  return [
    ...before.map((f) => ({ name: f.name, before: f, after: afterByName.get(f.name) })),
    ...after.filter((f) => !beforeNames.has(f.name)).map((f) => ({ name: f.name, after: f })),
  ];
}

const kib = (bytes: number | undefined) => (bytes === undefined ? '–' : `${Math.round(bytes / 1024)} KiB`);
const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} ms`);

/** `after` as a change over `before`, e.g. `-57%`; empty when either is missing. */
export function change(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined || before === 0) {
    return '';
  }
  const percent = Math.round(((after - before) / before) * 100);
  return ` (${percent > 0 ? '+' : ''}${percent}%)`;
}

/** The middle value (the lower of the two middle ones for an even count); undefined for none. */
function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

const sum = (values: readonly (number | undefined)[]) =>
  values.some((v) => v === undefined) ? undefined : values.reduce<number>((total, v) => total + (v ?? 0), 0);

/** The Markdown section: each function's bundle and init time before and after, side by side. */
export function renderFunctionComparison(
  baseline: FunctionBaseline,
  after: FunctionsAfter | undefined,
): string {
  const rows = compareFunctions(baseline.functions, after?.functions ?? []);
  const lines = rows.map(
    ({ name, before, after: now }) =>
      `| ${name} | ${kib(before?.bundleBytes)} | ${kib(now?.bundleBytes)}${change(before?.bundleBytes, now?.bundleBytes)} | ${kib(now?.gzipBytes)} | ${ms(before?.initMs)} | ${ms(now?.initMs)}${change(before?.initMs, now?.initMs)} |`,
  );
  const paired = rows.filter((row) => row.before && row.after);
  const totalBefore = sum(paired.map((row) => row.before?.bundleBytes));
  const totalAfter = sum(paired.map((row) => row.after?.bundleBytes));
  const inits = rows.flatMap(({ before, after: now }) =>
    before?.initMs !== undefined && now?.initMs !== undefined
      ? [{ before: before.initMs, after: now.initMs }]
      : [],
  );
  const initBefore = median(inits.map((init) => init.before));
  const initAfter = median(inits.map((init) => init.after));
  const what =
    inits.length > 0
      ? `bundles summed; init: median of the ${inits.length} invoked in both`
      : 'bundles summed';
  const totals =
    paired.length === 0
      ? ''
      : `| **all ${paired.length} in both runs** (${what}) | ${kib(totalBefore)} | ${kib(totalAfter)}${change(totalBefore, totalAfter)} | ${kib(sum(paired.map((row) => row.after?.gzipBytes)))} | ${ms(initBefore)} | ${ms(initAfter)}${change(initBefore, initAfter)} |`;
  return `
## Functions before and after

Before: ${baseline.measuredAt} (commit ${baseline.commit}). ${baseline.note}

After: ${after ? after.source : 'not measured since: run `npm run bench` (or `-- --only inner-loop` for the bundle sizes).'}
Init is the \`Init Duration\` of each function's first invocation in the local cloud; – where a run never invoked it.

| function | bundle before | bundle after | gzip after | init before | init after |
| --- | --- | --- | --- | --- | --- |
${lines.join('\n')}
${totals}
`;
}
