import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LocalCloud } from './cloud.ts';
import type { FaultInjector } from './lambda/fault-injection.ts';
import { synthesize } from './synth.ts';
import { measured, Timings } from './timings.ts';

/** The API port `npm start` uses unless told otherwise. */
const DEFAULT_PORT = 4010;

const USAGE = `Usage: npm start -- [options]

Synthesizes the CDK app and runs it on the local cloud (no AWS account, no Docker).

Options:
  --port <n>        port of the API server on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --no-synth        run the existing cloud assembly instead of synthesizing
  --assembly <dir>  the cloud assembly folder (default cdk.out)
  --state <dir>     where outputs.json and logs/ are written (default .local-cloud)
  --quiet           do not echo function and emulator output
  --timings         print how long each step of the boot took
  --watch           reload edited handlers in place (only the functions an edit reaches), and apply edits to
                    the CDK app (lib/, bin/) by synthesizing again and updating only what changed
  --faults <file>   inject faults into function invocations, as the JSON fault plan in <file> says
                    (see README, "Fault injection"); what was injected is printed at Ctrl-C
  -h, --help        this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
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
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    fail(`--port must be a port number, got ${values.port}`);
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
    assembly = measured(timings, 'synthesis', () => synthesize({ outputDirectory: values.assembly })).then(
      () => values.assembly,
    );
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
  const [{ startLocalCloud }, { CONSOLE_PATH, consoleSite }] = await Promise.all([
    import('./cloud.ts'),
    import('./console-site.ts'),
  ]);
  cloud = await startLocalCloud({
    assemblyDirectory: assembly,
    stateDirectory: values.state,
    port,
    log: (line) => console.log(line),
    onOutput: values.quiet ? undefined : (source, line) => console.log(`[${source}] ${line}`),
    faults,
    site: consoleSite(),
    timings,
  });
  timings?.mark('ready');
  if (faults) {
    console.log(`Injecting faults from ${values.faults} (seed ${faults.seed})`);
  }
  printReady(cloud, (performance.now() - started) / 1000, CONSOLE_PATH);
  if (timings) {
    console.log(`\nTimings (from the start of the process):\n${timings.format()}`);
  }
  if (values.watch) {
    const { watchLocalCloud } = await import('../dev/watch-local-cloud.ts');
    const watching = await watchLocalCloud({
      cloud,
      assemblyDirectory: values.assembly,
      stateDirectory: values.state,
      log: (line) => console.log(line),
    });
    stopWatching = () => watching.close();
  }
}

function printReady(cloud: LocalCloud, seconds: number, consolePath: string): void {
  console.log(`\nLocal cloud ready in ${seconds.toFixed(1)} s. Outputs: ${cloud.outputsFile}`);
  for (const [stackName, outputs] of Object.entries(cloud.outputs)) {
    console.log(`\n${stackName}`);
    for (const [name, value] of Object.entries(outputs)) {
      console.log(`  ${name.padEnd(10)} ${value}`);
    }
    if (outputs.ApiUrl && outputs.ApiKey) {
      console.log('\nTry it:');
      console.log(
        `  curl -i -H "x-api-key: ${outputs.ApiKey}" -H "content-type: application/json" -d @examples/order.json ${outputs.ApiUrl}sync/orders`,
      );
    }
  }
  console.log(`\nConsole: http://127.0.0.1:${cloud.apiPort}${consolePath}`);
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

main().catch((error: unknown) => {
  fail(error instanceof Error ? error.message : String(error));
});
