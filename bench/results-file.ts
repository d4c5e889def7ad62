import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { costPerMillion, renderCostMarkdown } from './cost-model.ts';
import {
  type FunctionBaseline,
  type FunctionsAfter,
  renderFunctionComparison,
} from './function-comparison.ts';
import { type InnerLoopResult, renderInnerLoop } from './inner-loop-report.ts';
import { type BenchResults, renderMarkdown, renderSvg } from './report.ts';

/** What `results.json` holds: a whole run's results, or an inner loop alone when no whole run was recorded. */
export type StoredResults = BenchResults | { readonly innerLoop: InnerLoopResult };

/** The files a run writes, in the output folder. */
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.md';
export const CHART_FILE = 'latency.svg';

export function isWholeRun(stored: StoredResults): stored is BenchResults {
  return 'patterns' in stored;
}

/** The stored results with this inner loop in place of the one they held; everything else kept. */
export function withInnerLoop(stored: StoredResults | undefined, innerLoop: InnerLoopResult): StoredResults {
  return stored === undefined ? { innerLoop } : { ...stored, innerLoop };
}

/**
 * The functions' figures after the baseline: a whole run's, init times included, when it is not the baseline's own
 * run; otherwise the bundle sizes of the inner loop's cold synthesis; otherwise none.
 */
export function functionsAfter(
  stored: StoredResults,
  baseline: FunctionBaseline,
): FunctionsAfter | undefined {
  if (isWholeRun(stored) && stored.startedAt !== baseline.measuredAt) {
    return {
      functions: stored.functions,
      source: `${stored.startedAt}, the bundles of that run's synthesis, each function's init in its pattern runs.`,
    };
  }
  if (stored.innerLoop) {
    return {
      functions: stored.innerLoop.bundles,
      source: `${stored.innerLoop.startedAt}, the bundles of the inner loop's cold synthesis; no init times (the inner loop invokes one function; \`npm run bench\` measures them all).`,
    };
  }
  return undefined;
}

/** The whole Markdown report: the patterns (if measured), the functions before and after, the inner loop, costs. */
export function renderReport(stored: StoredResults, baseline: FunctionBaseline | undefined): string {
  const sections = [
    isWholeRun(stored)
      ? renderMarkdown(stored, CHART_FILE)
      : '# Benchmark: inner loop only\n\nNo whole run recorded yet: `npm run bench` measures the patterns too.\n',
    baseline ? renderFunctionComparison(baseline, functionsAfter(stored, baseline)) : '',
    stored.innerLoop ? renderInnerLoop(stored.innerLoop) : '',
    isWholeRun(stored) ? renderCostMarkdown(costPerMillion()) : '',
  ];
  return sections.filter((section) => section !== '').join('\n');
}

export async function readStoredResults(out: string): Promise<StoredResults | undefined> {
  const text = await readFile(path.join(out, RESULTS_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as StoredResults);
}

/** Writes `results.json` (with the cost model's figures), `report.md` and, for a whole run, the chart. */
export async function writeResultFiles(
  out: string,
  stored: StoredResults,
  baseline: FunctionBaseline | undefined,
): Promise<string> {
  await mkdir(out, { recursive: true });
  const costs = isWholeRun(stored) ? { costs: costPerMillion() } : {};
  await writeFile(path.join(out, RESULTS_FILE), `${JSON.stringify({ ...stored, ...costs }, null, 2)}\n`);
  if (isWholeRun(stored)) {
    await writeFile(path.join(out, CHART_FILE), renderSvg(stored.patterns));
  }
  const report = renderReport(stored, baseline);
  await writeFile(path.join(out, REPORT_FILE), report);
  return report;
}
