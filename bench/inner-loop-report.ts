import type { BundleSize } from './bundle-size.ts';
import type { LatencySummary } from './stats.ts';

/** What `bench/inner-loop.ts` measured: each figure a whole process or a user-visible effect, repeated. */
export interface InnerLoopResult {
  readonly startedAt: string;
  readonly machine: {
    readonly cpus: number;
    /** `os.loadavg()` (1, 5 and 15 minutes) when the inner loop started and when it ended. */
    readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] };
  };
  /** Repetitions of each synthesis and start figure. */
  readonly runs: number;
  /** How often the reload figures poll for the new answer. */
  readonly pollIntervalMs: number;
  /** `cdk synth --quiet --no-notices`, spawn to exit. */
  readonly synth: {
    /** No `.cache/`, no `cdk.out/`, an empty temporary folder (tsx's cache). */
    readonly cold: LatencySummary;
    /** Again, nothing changed. */
    readonly warm: LatencySummary;
    /** After one handler file's content changed: the app runs, one bundle is rebuilt. */
    readonly handlerEdited: LatencySummary;
  };
  /** `npm start -- --port 0 --quiet`, spawn to ready (ready line, a REST answer, a WebSocket handshake answer). */
  readonly start: {
    readonly cold: LatencySummary;
    readonly warm: LatencySummary;
    /** Ctrl-C (SIGINT to the process group) to no process of the group left. */
    readonly stop: LatencySummary;
  };
  /** `npm start -- --watch`: from the write of an edit to the first answer that shows it. */
  readonly reload: {
    /** A handler's message edited. */
    readonly handler: LatencySummary;
    /** A route added in `lib/` (synthesis and the template diff applied). */
    readonly route: LatencySummary;
  };
  /** `npm test` in the project, once, when asked for (`--suite`). */
  readonly suite?: { readonly wallMs: number; readonly exitCode: number | null };
  /** Each function's bundle from the first cold synthesis. */
  readonly bundles: readonly BundleSize[];
}

/** `12.3 s` from 1 s up, `850 ms` below; `n/a` for no value. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) {
    return 'n/a';
  }
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

const row = (step: string, summary: LatencySummary, what: string) =>
  `| ${step} | ${duration(summary.min)} | ${duration(summary.p50)} | ${duration(summary.max)} | ${summary.count} | ${what} |`;

const load = (values: readonly number[]) => values.map((v) => v.toFixed(1)).join(', ');

/** The Markdown section for the inner loop. */
export function renderInnerLoop(result: InnerLoopResult): string {
  const { synth, start, reload, machine } = result;
  const suite = result.suite
    ? `\n\`npm test\` in the project (unit, infra, then e2e), once: ${duration(result.suite.wallMs)} wall time, ${result.suite.exitCode === 0 ? 'passed' : `failed (exit ${result.suite.exitCode})`}.\n`
    : '';
  return `
## Inner loop: synthesis, \`npm start\`, watch mode

${result.startedAt} · ${machine.cpus} CPUs · load average (1, 5, 15 min) ${load(machine.loadAverage.atStart)} at the
start, ${load(machine.loadAverage.atEnd)} at the end: on a busy machine every figure is slower. Whole processes in a
copy of the project (\`node_modules\` linked). Cold: no \`.cache/\`, no \`cdk.out/\` and an empty temporary folder
(tsx's cache), as the first start after \`npm install\`; the files themselves may be in the OS's page cache.

| step | min | median | max | runs | what is timed |
| --- | --- | --- | --- | --- | --- |
${row('`cdk synth`, cold', synth.cold, 'spawn to exit')}
${row('`cdk synth`, nothing changed', synth.warm, 'spawn to exit: the app is not loaded')}
${row('`cdk synth`, one handler edited', synth.handlerEdited, 'spawn to exit: the app runs, one bundle is rebuilt')}
${row('`npm start`, cold', start.cold, 'spawn to the ready line, a REST answer and a WebSocket handshake answer')}
${row('`npm start`, warm (second start)', start.warm, 'same')}
${row('Ctrl-C', start.stop, 'SIGINT to the process group until none of its processes is left')}
${row('`--watch`: handler edit', reload.handler, `write to the first answer with the new text (polled every ${result.pollIntervalMs} ms)`)}
${row('`--watch`: new route in `lib/`', reload.route, 'write to the first answer from the new route (synthesis and update)')}
${suite}`;
}
