import type { InnerLoopResult } from './inner-loop-report.ts';
import { type LatencySummary, percentilesAtMaximum } from './stats.ts';
import type { VersusResult } from './versus-serverless-offline.ts';

/** What one pattern measured. */
export interface PatternResult {
  readonly id: string;
  readonly name: string;
  readonly visibleWhen: string;
  /** The first pass, which pays for the functions' cold starts. */
  readonly coldVisibleMs: number;
  readonly response: LatencySummary;
  readonly visible: LatencySummary;
  /** Items through the pattern per second, submit to visible, at `concurrency`. */
  readonly throughputPerSecond?: number;
}

/** A function's bundle and, when it ran, its module init time. */
export interface FunctionResult {
  readonly name: string;
  readonly bundleBytes: number;
  /** The bundle gzipped (absent from runs before it was measured). */
  readonly gzipBytes?: number;
  readonly initMs?: number;
}

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  readonly startedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
  };
  readonly settings: {
    readonly samples: number;
    readonly throughputItems: number;
    readonly concurrency: number;
    readonly pollIntervalMs: number;
    readonly versusRequests: number;
  };
  readonly synthMs: number;
  /** `startLocalCloud` start -> every REST and WebSocket endpoint answering. */
  readonly bootMs: number;
  readonly patterns: readonly PatternResult[];
  readonly functions: readonly FunctionResult[];
  /** The local cloud's share of a `GET /sync/orders/{id}`, over the one DynamoDB call the handler makes. */
  readonly overhead: {
    readonly api: LatencySummary;
    readonly rawDynamoDb: LatencySummary;
    readonly overheadP50Ms: number;
  };
  /** Requests the usage plan throttled (429) and the bench retried. */
  readonly throttledRequests: number;
  /** The local cloud's API Gateway + Lambda emulation against serverless-offline's, on one trivial handler. */
  readonly versus?: VersusResult;
  /** Whole-process timings of synthesis, `npm start` and watch mode (see inner-loop.ts). */
  readonly innerLoop?: InnerLoopResult;
}

/** What the table's p95 and p99 are, said plainly when the sample is too small for them to be more than its maximum. */
function tailNote(samples: number): string {
  const atMaximum = percentilesAtMaximum(samples, [95, 99]).map((p) => `p${p}`);
  if (atMaximum.length === 0) {
    return '';
  }
  const which = atMaximum.length === 2 ? 'p95 and p99 are both' : `${atMaximum[0]} is`;
  return ` With ${samples} samples, ${which} the slowest pass (nearest rank): the maximum, not a tail estimate.`;
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');

/** The Markdown report of the patterns: their table first, then boot, overhead and the side by side. */
export function renderMarkdown(results: BenchResults, chartFile: string): string {
  const { settings, machine } = results;
  const rows = results.patterns.map(
    (p) =>
      `| ${p.name} | ${ms(p.response.p50)} | ${ms(p.visible.p50)} | ${ms(p.visible.p95)} | ${ms(p.visible.p99)} | ${ms(p.coldVisibleMs)} | ${p.throughputPerSecond === undefined ? 'n/a' : p.throughputPerSecond.toFixed(1)} | ${p.visibleWhen} |`,
  );
  return `# Pattern benchmark (local cloud)

${results.startedAt} · ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node.js ${machine.node}.
${settings.samples} sequential passes per pattern after one cold pass; throughput: ${settings.throughputItems} items at
${settings.concurrency} in flight. Results are polled every ${settings.pollIntervalMs} ms, the resolution of every
"visible" figure.${tailNote(settings.samples)}

![Latency to visible, per pattern](${chartFile})

| pattern | response p50 | visible p50 | visible p95 | visible p99 | cold | items/s | visible when |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

- Synth: ${ms(results.synthMs)}; local cloud boot to every endpoint answering: ${ms(results.bootMs)}.
- Local cloud overhead on \`GET /sync/orders/{id}\` (API Gateway emulation + Lambda worker + handler) over its one
  DynamoDB \`GetItem\` made directly: ${ms(results.overhead.overheadP50Ms)} at p50 (API ${ms(results.overhead.api.p50)},
  raw call ${ms(results.overhead.rawDynamoDb.p50)}).
- Requests throttled by the usage plan (429) and retried: ${results.throttledRequests}.
${results.versus ? renderVersus(results.versus) : ''}`;
}

/** The side-by-side with serverless-offline. */
function renderVersus(versus: VersusResult): string {
  const row = (name: string, side: VersusResult['localCloud'] | undefined) =>
    side
      ? `| ${name} | ${side.requestsPerSecond.toFixed(0)} | ${ms(side.latency.p50)} | ${ms(side.latency.p99)} | ${side.errors} |`
      : `| ${name} | not measured: ${versus.skipped ?? 'unknown'} | | | |`;
  return `
## Side by side: API Gateway + Lambda emulation

The same trivial handler (200 with a small JSON body) behind each, ${versus.requests} GETs at ${versus.concurrency} in
flight after 50 warm-up requests, one after the other on the same machine. serverless ${versus.versions.serverless},
serverless-offline ${versus.versions['serverless-offline']}.

| emulation | requests/s | p50 | p99 | errors |
| --- | --- | --- | --- | --- |
${row('local cloud', versus.localCloud)}
${row('serverless-offline', versus.serverlessOffline)}
`;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart (SVG) of each pattern's p50 and p95 time to visible. */
export function renderSvg(patterns: readonly PatternResult[]): string {
  const rowHeight = 34;
  const left = 170;
  const width = 760;
  const top = 40;
  const height = top + patterns.length * rowHeight + 40;
  // Room right of the longest bar for its label, "1234 / 12345 ms": 13 characters of a 13 px font.
  const labelRoom = 130;
  const max = Math.max(1, ...patterns.map((p) => p.visible.p95));
  const scale = (value: number) => ((width - left - labelRoom) * value) / max;
  const bars = patterns.map((p, i) => {
    const y = top + i * rowHeight;
    return [
      `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${escapeXml(p.name)}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${scale(p.visible.p95).toFixed(1)}" height="20" fill="#9ecae1"><title>p95 ${Math.round(p.visible.p95)} ms</title></rect>`,
      `<rect x="${left}" y="${y + 6}" width="${scale(p.visible.p50).toFixed(1)}" height="12" fill="#08519c"><title>p50 ${Math.round(p.visible.p50)} ms</title></rect>`,
      `<text x="${left + scale(p.visible.p95) + 6}" y="${y + 16}">${Math.round(p.visible.p50)} / ${Math.round(p.visible.p95)} ms</text>`,
    ].join('\n  ');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13" role="img" aria-labelledby="title">
  <title id="title">Time from submit to result visible, per pattern: p50 (dark) and p95 (light), milliseconds</title>
  <text x="${left}" y="22" font-weight="bold">Submit to visible: p50 (dark) / p95 (light)</text>
  ${bars.join('\n  ')}
</svg>
`;
}
