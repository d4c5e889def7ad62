import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CliProcess, npmCommand } from '../dev/cli-process.ts';
import { copyProject, type ProjectCopy } from '../dev/project-copy.ts';
import { until } from './api.ts';
import { type BundleSize, bundleSizes } from './bundle-size.ts';
import type { InnerLoopResult } from './inner-loop-report.ts';
import {
  type ApiEndpoints,
  missingOrderDetail,
  readApiEndpoints,
  restAnswers,
  webSocketAnswers,
} from './readiness.ts';
import { summarize } from './stats.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
const STACK_NAME = 'DataSharingStack';
/** The last line the local cloud's command prints when ready (packages/local-cloud/src/cli.ts). */
const READY_LINE = /Ctrl-C stops everything/;
/** How often a reload figure polls for the new answer: its resolution. */
const POLL_INTERVAL_MS = 20;
/**
 * Safety nets for a hung process, not tuned figures: a cold synthesis on a loaded 2-core machine has taken over 5
 * minutes.
 */
const COLD_TIMEOUT_MS = 15 * 60_000;
const WARM_TIMEOUT_MS = 5 * 60_000;
/** The copy's temporary folder (`TMPDIR`), where tsx keeps its cache: emptied for a cold start. */
const TEMPORARY = '.bench-tmp';
/** What a first start after `npm install` does not have yet. */
const CACHES = ['.cache', 'cdk.out', '.local-cloud', TEMPORARY];
/** The handler edited: the message `GET sync/orders/{id}` answers for a missing order. */
const HANDLER_FILE = 'lambda/api-payload/get-order.ts';
const HANDLER_LINE = 'throw new OrderNotFoundError(orderId);';
/** The construct edited: a route is added after this one. */
const ROUTES_FILE = 'lib/patterns/api-payload.ts';
const ROUTE_LINE = "props.api.addLambdaRoute('GET', '/sync/orders/{orderId}', getOrder.function);";
/** The same environment `npm start` gives `cdk synth` (packages/local-cloud/src/synth.ts): offline, no version check. */
const CDK_ENVIRONMENT = { CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };

export interface InnerLoopOptions {
  /** Repetitions of each synthesis and start figure, and of the route edit. */
  readonly runs: number;
  /** Time `npm test` in the project too (minutes). */
  readonly suite: boolean;
  readonly log: (line: string) => void;
}

/** Times the inner loop as a user lives it, in a throwaway copy of the project; `npm test` in the project itself. */
export async function measureInnerLoop(options: InnerLoopOptions): Promise<InnerLoopResult> {
  const startedAt = new Date().toISOString();
  const atStart = os.loadavg();
  const project = await copyProject();
  const { log } = options;
  try {
    log(`Inner loop in ${project.root}`);
    const synth = await timeSyntheses(project, options.runs, log);
    const start = await timeStarts(project, options.runs, log);
    const reload = await timeReloads(
      project,
      { handlerEdits: Math.max(5, options.runs), routeEdits: options.runs },
      log,
    );
    const suite = options.suite ? await timeSuite(log) : undefined;
    return {
      startedAt,
      machine: { cpus: os.cpus().length, loadAverage: { atStart, atEnd: os.loadavg() } },
      runs: options.runs,
      pollIntervalMs: POLL_INTERVAL_MS,
      synth: {
        cold: summarize(synth.cold),
        warm: summarize(synth.warm),
        handlerEdited: summarize(synth.edited),
      },
      start: { cold: summarize(start.cold), warm: summarize(start.warm), stop: summarize(start.stop) },
      reload: { handler: summarize(reload.handler), route: summarize(reload.route) },
      suite,
      bundles: synth.bundles,
    };
  } finally {
    await project.remove();
  }
}

/** `cdk synth` cold, then again with nothing changed, then after one handler's content changed; `runs` times. */
async function timeSyntheses(project: ProjectCopy, runs: number, log: (line: string) => void) {
  const samples = { cold: [] as number[], warm: [] as number[], edited: [] as number[] };
  let bundles: BundleSize[] = [];
  for (let run = 1; run <= runs; run++) {
    const env = { ...(await removeCaches(project)), ...CDK_ENVIRONMENT };
    const synth = () =>
      timeCommand(project.root, 'node_modules/.bin/cdk', ['synth', '--quiet', '--no-notices'], env);
    samples.cold.push(await synth());
    if (run === 1) {
      bundles = await bundleSizes(path.join(project.root, 'cdk.out'), STACK_NAME);
    }
    samples.warm.push(await synth());
    const original = await readFile(path.join(project.root, HANDLER_FILE), 'utf8');
    await writeFile(path.join(project.root, HANDLER_FILE), `${original}// edited by the bench, run ${run}\n`);
    samples.edited.push(await synth());
    await writeFile(path.join(project.root, HANDLER_FILE), original);
    log(
      `cdk synth ${run}/${runs}: ${seconds(samples.cold.slice(-1))} cold, ${seconds(samples.warm.slice(-1))} warm, ${seconds(samples.edited.slice(-1))} after a handler edit`,
    );
  }
  return { ...samples, bundles };
}

/** `npm start` from no caches, then a second start; `runs` times. */
async function timeStarts(project: ProjectCopy, runs: number, log: (line: string) => void) {
  const samples = { cold: [] as number[], warm: [] as number[], stop: [] as number[] };
  for (let run = 1; run <= runs; run++) {
    const env = await removeCaches(project);
    for (const [kind, timeoutMs] of [
      ['cold', COLD_TIMEOUT_MS],
      ['warm', WARM_TIMEOUT_MS],
    ] as const) {
      const { readyMs, stopMs } = await timeStart(project, env, timeoutMs);
      samples[kind].push(readyMs);
      samples.stop.push(stopMs);
    }
    log(
      `npm start ${run}/${runs}: ${seconds(samples.cold.slice(-1))} cold, ${seconds(samples.warm.slice(-1))} warm, Ctrl-C ${seconds(samples.stop.slice(-2))}`,
    );
  }
  return samples;
}

/** One `npm start`: spawn to ready, then Ctrl-C to its whole process group gone. */
async function timeStart(project: ProjectCopy, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const cli = new CliProcess(project.root, ['--port', '0', '--quiet'], { command: 'npm-start', env });
  try {
    await untilReady(cli, project, timeoutMs);
    const readyMs = performance.now() - cli.spawnedAt;
    const interrupted = performance.now();
    await cli.interrupt();
    if (!(await cli.waitForGroupExit())) {
      throw new Error(`Processes of npm start were left 30 s after Ctrl-C:\n${cli.text}`);
    }
    return { readyMs, stopMs: performance.now() - interrupted };
  } finally {
    cli.kill();
  }
}

/** Ready as a user means it: the ready line printed, the REST API answering, the WebSocket API answering. */
async function untilReady(cli: CliProcess, project: ProjectCopy, timeoutMs: number): Promise<ApiEndpoints> {
  await cli.waitFor(READY_LINE, { timeoutMs });
  // Read only now: a previous start's outputs file names other ports.
  const api = await readApiEndpoints(path.join(project.root, '.local-cloud'));
  const poll = { intervalMs: POLL_INTERVAL_MS, timeoutMs: WARM_TIMEOUT_MS };
  // Both at once: ready is when the later of the two answers, not the sum of their first (cold) invocations.
  await Promise.all([
    until(() => restAnswers(api), 'the REST API', poll),
    until(() => webSocketAnswers(api.webSocketUrl), 'the WebSocket API', poll),
  ]);
  return api;
}

/** `npm start -- --watch`: handler edits, then routes added, each timed from its write to the answer showing it. */
async function timeReloads(
  project: ProjectCopy,
  counts: { readonly handlerEdits: number; readonly routeEdits: number },
  log: (line: string) => void,
) {
  const env = { TMPDIR: path.join(project.root, TEMPORARY) };
  const cli = new CliProcess(project.root, ['--watch', '--port', '0', '--quiet'], {
    command: 'npm-start',
    env,
  });
  try {
    const api = await untilReady(cli, project, COLD_TIMEOUT_MS);
    await cli.waitFor(/Watching /);
    const handler: number[] = [];
    let line = HANDLER_LINE;
    for (let edit = 1; edit <= counts.handlerEdits; edit++) {
      const marker = `(bench edit ${edit})`;
      const next = `throw new OrderNotFoundError(\`\${orderId} ${marker}\`);`;
      handler.push(await timeHandlerEdit(cli, project, api, { from: line, to: next, marker }));
      line = next;
    }
    log(`--watch, handler edits: ${seconds(handler)}`);
    const route: number[] = [];
    for (let edit = 1; edit <= counts.routeEdits; edit++) {
      route.push(await timeRouteEdit(cli, project, api, `sync/orders-bench-${edit}`));
    }
    log(`--watch, routes added: ${seconds(route)}`);
    await cli.interrupt();
    await cli.waitForGroupExit();
    return { handler, route };
  } finally {
    cli.kill();
  }
}

/** Write to the first answer with the edited message; then waits for the reload to finish, before the next edit. */
async function timeHandlerEdit(
  cli: CliProcess,
  project: ProjectCopy,
  api: ApiEndpoints,
  edit: { readonly from: string; readonly to: string; readonly marker: string },
): Promise<number> {
  const from = cli.text.length;
  const written = await editFile(project, HANDLER_FILE, edit.from, edit.to);
  await until(
    async () =>
      (await missingOrderDetail(api, 'sync/orders/bench-reload'))?.includes(edit.marker) ? true : undefined,
    `the answer of the handler edited ${edit.marker}`,
    { intervalMs: POLL_INTERVAL_MS, timeoutMs: WARM_TIMEOUT_MS },
  );
  const ms = performance.now() - written;
  await cli.waitFor(/Reloaded \d+ function\(s\)|Not reloaded/, { from });
  return ms;
}

/** Write of a new route (`{path}/{orderId}` to the get-order handler) to its first answer. */
async function timeRouteEdit(
  cli: CliProcess,
  project: ProjectCopy,
  api: ApiEndpoints,
  route: string,
): Promise<number> {
  const from = cli.text.length;
  const added = `${ROUTE_LINE}\n    props.api.addLambdaRoute('GET', '/${route}/{orderId}', getOrder.function);`;
  const written = await editFile(project, ROUTES_FILE, ROUTE_LINE, added);
  await until(
    async () => ((await missingOrderDetail(api, `${route}/bench-reload`)) === undefined ? undefined : true),
    `an answer from the new route ${route}`,
    { intervalMs: POLL_INTERVAL_MS, timeoutMs: COLD_TIMEOUT_MS },
  );
  const ms = performance.now() - written;
  const [applied] = await cli.waitFor(/Applied in [^\n]*|Not applied[\s\S]*/, { from });
  if (!applied.startsWith('Applied')) {
    throw new Error(`The route edit was not applied:\n${cli.text.slice(from)}`);
  }
  return ms;
}

/** `npm test` in the project itself, wall time; its output goes to `.local-cloud/bench-npm-test.log`. */
async function timeSuite(log: (line: string) => void): Promise<{ wallMs: number; exitCode: number | null }> {
  const logFile = path.join(PROJECT_ROOT, '.local-cloud', 'bench-npm-test.log');
  log(`npm test (takes minutes; output in ${path.relative(PROJECT_ROOT, logFile)})`);
  await mkdir(path.dirname(logFile), { recursive: true });
  const [file, args] = npmCommand(['test']);
  const started = performance.now();
  const { code, output } = await run(PROJECT_ROOT, file, args, {});
  const wallMs = performance.now() - started;
  await writeFile(logFile, output);
  log(`npm test: ${(wallMs / 1000).toFixed(0)} s, exit ${code}`);
  return { wallMs, exitCode: code };
}

/** Removes what a first start does not have; the environment that gives the processes an empty temporary folder. */
async function removeCaches(project: ProjectCopy): Promise<NodeJS.ProcessEnv> {
  for (const name of CACHES) {
    await rm(path.join(project.root, name), { recursive: true, force: true });
  }
  const temporary = path.join(project.root, TEMPORARY);
  await mkdir(temporary);
  return { TMPDIR: temporary };
}

/** Replaces `from` (which must be there) with `to` in a file of the copy; `performance.now()` just before the write. */
async function editFile(project: ProjectCopy, file: string, from: string, to: string): Promise<number> {
  const absolute = path.join(project.root, file);
  const text = await readFile(absolute, 'utf8');
  if (!text.includes(from)) {
    throw new Error(`${file} no longer holds the text the bench edits: ${from}`);
  }
  const written = performance.now();
  await writeFile(absolute, text.replace(from, to));
  return written;
}

/** Spawn to exit of one command; fails with its output unless it exits 0. */
async function timeCommand(root: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  const started = performance.now();
  const { code, output } = await run(root, file, args, env);
  if (code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${code}:\n${output}`);
  }
  return performance.now() - started;
}

function run(root: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output: output.join('') }));
  });
}

const seconds = (samples: readonly number[]) => samples.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ');
