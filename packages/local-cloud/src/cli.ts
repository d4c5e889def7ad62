import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LocalCloud } from './cloud.ts';
import type { FaultInjector } from './lambda/fault-injection.ts';
import type { StaticMount } from './static-site.ts';
import { synthesize } from './synth.ts';
import { measured, Timings } from './timings.ts';

/** The API port unless told otherwise. */
const DEFAULT_PORT = 4010;

/** What a project adds to the command line of the local cloud (its own `npm start`). */
export interface CliExtensions {
  /** How the command is typed, for the usage text. @default `local-cloud` */
  readonly command?: string;
  /** Folders served on the API port beside the APIs, and where `GET /` leads. */
  readonly site?: { readonly mounts: readonly StaticMount[]; readonly home?: string };
  /** Lines printed once the local cloud is ready, after the outputs (how to try it). */
  readonly readyLines?: (cloud: LocalCloud) => readonly string[];
  /** What `--watch` does; without it, `--watch` is refused. */
  readonly watch?: (options: WatchOptions) => Promise<{ close(): void }>;
}

export interface WatchOptions {
  readonly cloud: LocalCloud;
  readonly assemblyDirectory: string;
  readonly stateDirectory: string;
  readonly log: (line: string) => void;
}

function usage(extensions: CliExtensions): string {
  return `Usage: ${extensions.command ?? 'local-cloud'} [options]

Synthesizes the CDK app in the working directory and runs it on the local cloud (no AWS account, no Docker).

Options:
  --port <n>        port of the API server on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --app <command>   the command that runs the CDK app (cdk synth --app; default: cdk.json's app)
  --no-synth        run the existing cloud assembly instead of synthesizing
  --assembly <dir>  the cloud assembly folder (default cdk.out)
  --state <dir>     where outputs.json and logs/ are written (default .local-cloud)
  --quiet           do not echo function and emulator output
  --timings         print how long each step of the boot took${
    extensions.watch
      ? `
  --watch           reload edited handlers in place (only the functions an edit reaches), and apply edits to
                    the CDK app by synthesizing again and updating only what changed`
      : ''
  }
  --faults <file>   inject faults into function invocations, as the JSON fault plan in <file> says
                    (see the README, "Fault injection"); what was injected is printed at Ctrl-C
  -h, --help        this text`;
}

/** The local cloud's command line: synthesizes (unless told not to), boots, serves until Ctrl-C. */
export async function runLocalCloudCli(
  argv: readonly string[],
  extensions: CliExtensions = {},
): Promise<void> {
  try {
    await run(argv, extensions);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

async function run(argv: readonly string[], extensions: CliExtensions): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      app: { type: 'string' },
      synth: { type: 'boolean', default: true },
      'no-synth': { type: 'boolean', default: false },
      assembly: { type: 'string', default: 'cdk.out' },
      state: { type: 'string', default: '.local-cloud' },
      quiet: { type: 'boolean', default: false },
      timings: { type: 'boolean', default: false },
      faults: { type: 'string' },
      watch: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowNegative: true,
  });
  if (values.help) {
    console.log(usage(extensions));
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    fail(`--port must be a port number, got ${values.port}`);
  }
  const watch = extensions.watch;
  if (values.watch && !watch) {
    fail('--watch is not available in this command');
  }

  const faults = values.faults ? await readFaultPlan(values.faults) : undefined;
  const started = performance.now();
  // Measured from the start of the process, so Node.js and loading the modules count too.
  const timings = values.timings ? new Timings() : undefined;
  timings?.mark('command line read');
  let assembly: string | Promise<string> = values.assembly;
  if (values.synth && !values['no-synth']) {
    console.log('Synthesizing the CDK app (cdk synth)');
    // The emulators start meanwhile.
    assembly = measured(timings, 'synthesis', () =>
      synthesize({ outputDirectory: values.assembly, app: values.app }),
    ).then(() => values.assembly);
  }
  let cloud: LocalCloud | undefined;
  let stopWatching: (() => void) | undefined;
  const shutdown = async (signal: string): Promise<void> => {
    console.log(`\n${signal}: stopping the local cloud`);
    stopWatching?.();
    await cloud?.stop();
    if (faults) {
      printFaultReport(faults);
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  // Loaded only now, while the synthesis runs: the local cloud's modules take about half a second to load.
  const { startLocalCloud } = await import('./cloud.ts');
  cloud = await startLocalCloud({
    assemblyDirectory: assembly,
    stateDirectory: values.state,
    port,
    log: (line) => console.log(line),
    onOutput: values.quiet ? undefined : (source, line) => console.log(`[${source}] ${line}`),
    faults,
    site: extensions.site,
    timings,
  });
  timings?.mark('ready');
  if (faults) {
    console.log(`Injecting faults from ${values.faults} (seed ${faults.seed})`);
  }
  printReady(cloud, (performance.now() - started) / 1000, extensions.readyLines?.(cloud) ?? []);
  if (timings) {
    console.log(`\nTimings (from the start of the process):\n${timings.format()}`);
  }
  if (values.watch && watch) {
    const watching = await watch({
      cloud,
      assemblyDirectory: values.assembly,
      stateDirectory: values.state,
      log: (line) => console.log(line),
    });
    stopWatching = () => watching.close();
  }
}

function printReady(cloud: LocalCloud, seconds: number, extraLines: readonly string[]): void {
  console.log(`\nLocal cloud ready in ${seconds.toFixed(1)} s. Outputs: ${cloud.outputsFile}`);
  for (const [stackName, outputs] of Object.entries(cloud.outputs)) {
    console.log(`\n${stackName}`);
    for (const [name, value] of Object.entries(outputs)) {
      console.log(`  ${name.padEnd(10)} ${value}`);
    }
  }
  for (const line of extraLines) {
    console.log(line);
  }
  console.log('\nCtrl-C stops everything.');
}

async function readFaultPlan(file: string): Promise<FaultInjector> {
  const { FaultInjector } = await import('./lambda/fault-injection.ts');
  let plan: unknown;
  try {
    plan = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    fail(`--faults: cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  try {
    return new FaultInjector(plan as ConstructorParameters<typeof FaultInjector>[0]);
  } catch (error) {
    fail(`--faults ${file}: ${(error as Error).message}`);
  }
}

function printFaultReport(faults: FaultInjector): void {
  console.log(`\nInjected faults (seed ${faults.seed}):`);
  for (const [name, counts] of faults.report()) {
    console.log(`  ${name}: ${JSON.stringify(counts)}`);
  }
}

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}
