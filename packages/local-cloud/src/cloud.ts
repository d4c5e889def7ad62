import path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localSecretFor } from './account.ts';
import { AssemblyInputs, CloudUpdater, type CloudUpdateSummary, type RunningStack } from './cloud-update.ts';
import type { AssemblyStack } from './cloudformation/assembly.ts';
import { readAssembly } from './cloudformation/assembly.ts';
import { deployStack } from './cloudformation/deploy.ts';
import type { DeployedStack } from './cloudformation/types.ts';
import { defaultCacheDirectory } from './emulators/cache-directory.ts';
import { EmulatorError } from './emulators/emulator-error.ts';
import {
  EMULATOR_NAMES,
  type EmulatorName,
  emulatorEndpoints,
  type LocalEmulators,
  localEmulatorStarters,
} from './emulators/local-emulators.ts';
import { freePort, isPortFree } from './emulators/ports.ts';
import { SpeculativeStarts } from './emulators/speculative-starts.ts';
import { startFunctionRuntime } from './function-runtime.ts';
import type { FaultInjector } from './lambda/fault-injection.ts';
import type { FunctionInvoker } from './lambda/types.ts';
import { localOutputs, rewriteExecuteApiUrls, writeOutputsFile, writeStateFiles } from './local-outputs.ts';
import { LogFiles } from './log-files.ts';
import { BucketCorsRules } from './s3/bucket-cors.ts';
import type { ObjectRequestEvent } from './s3/object-event-hook.ts';
import { type ApiServer, serveApis } from './serve-apis.ts';
import type { ProviderContext } from './service-plugin.ts';
import { SERVICES } from './services.ts';
import { type StaticMount, StaticSite } from './static-site.ts';
import { Stoppers } from './stoppers.ts';
import { measured, type Timings } from './timings.ts';

export type { EmulatorName } from './emulators/local-emulators.ts';
export { LOCAL_ASYNC_RETRY_DELAYS_MS, LOCAL_ASYNC_THROTTLE_BACKOFF_MS } from './function-runtime.ts';
export { rewriteExecuteApiUrls } from './local-outputs.ts';

export interface LocalCloudOptions {
  /**
   * The cloud assembly to run (`cdk.out`), or the promise of one still being synthesized: the emulators start
   * meanwhile (see {@link LocalCloudOptions.emulators}).
   */
  readonly assemblyDirectory: string | Promise<string>;
  /** Where the outputs file and scratch files go (`.local-cloud`). */
  readonly stateDirectory: string;
  /** Port of the API server; 0 picks a free one. */
  readonly port: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /**
   * Each line a function or an emulator prints, by source. Every line is also appended to
   * `{stateDirectory}/logs/{source}.log`.
   */
  readonly onOutput?: (source: string, line: string) => void;
  /** Faults to inject into function invocations (`--faults <file>`); none by default. */
  readonly faults?: FaultInjector;
  /**
   * Keep DynamoDB Local's data in a file under the state directory instead of in memory, so that
   * {@link LocalCloud.restartEmulator} can kill it and start it again with its data (slower than memory).
   */
  readonly persistDynamoDb?: boolean;
  /**
   * Folders served on the API port beside the APIs (`/_console/` -> `console/`), and where `GET /` redirects.
   * The outputs are always served as {@link OUTPUTS_PATH}. @default no folders
   */
  readonly site?: { readonly mounts: readonly StaticMount[]; readonly home?: string };
  /**
   * Emulators started before the assembly is read, on the guess that its template uses them. Those it turns out
   * not to use are stopped; those it uses and this list lacks start once it is read.
   * @default every emulator while the assembly is a promise; none when it is a folder (it is read in milliseconds)
   */
  readonly emulators?: readonly EmulatorName[];
  /** Records how long each step of the boot takes (`--timings`). @default none */
  readonly timings?: Timings;
  /** Where files that make later boots faster are kept. @default `node_modules/.cache/local-cloud` */
  readonly cacheDirectory?: string;
}

/**
 * Emulators that can be killed and started again mid-run with their state: only DynamoDB Local, whose data can
 * live in a file. fauxqs (SQS, SNS, S3) runs inside the local cloud's own process, and kinesis-mock can write its
 * data to disk only every few seconds, so a kill would lose records Kinesis had acknowledged.
 */
export type RestartableEmulator = 'dynamodb';

/**
 * Where the API server serves the stack outputs (those of `outputs.json`, API key values included) to pages on
 * the same loopback origin.
 */
export const OUTPUTS_PATH = '/_local-cloud/outputs.json';

export interface LocalCloud {
  readonly stacks: readonly DeployedStack[];
  /** Stack outputs as `cdk deploy --outputs-file` writes them, with local URLs and API key values. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly outputsFile: string;
  readonly apiPort: number;
  /** `AWS_ENDPOINT_URL_<SERVICE>` of every emulator started, as functions get them. */
  readonly emulatorEndpoints: Readonly<Record<string, string>>;
  /** Stops the API server, every function and every emulator. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Kills an emulator as a crash would (SIGKILL), waits `downMs`, and starts it again on the same port with the
   * data it had; requests in between fail as they would against an unreachable service.
   */
  restartEmulator(name: RestartableEmulator, downMs?: number): Promise<void>;
  /**
   * Applies a newly synthesized cloud assembly to what runs: each stack's changed resources are created, updated,
   * replaced or deleted; unchanged ones and their data stay. Rewrites the outputs file. On failure, throws with
   * the previous resources still serving (see `CloudUpdater`).
   */
  update(assemblyDirectory: string): Promise<CloudUpdateSummary>;
  /** Runs new code for a function (by name) from its next invocation on: a bundle changed, the template did not. */
  updateFunctionCode(functionName: string, codeDirectory: string): Promise<void>;
}

/**
 * Boots a cloud assembly on the local cloud: the emulators (started while the assembly may still be synthesized),
 * the resources, created as CloudFormation would, then the API server.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const log = options.log ?? (() => {});
  // A synthesis that fails while the emulators start is reported when the assembly is awaited, not as unhandled.
  void Promise.resolve(options.assemblyDirectory).catch(() => {});
  const stoppers = new Stoppers(log);
  try {
    const logFiles = await LogFiles.open(path.join(options.stateDirectory, 'logs'));
    // Closed last, after everything that writes to it has stopped.
    stoppers.push(() => logFiles.close());
    const output = (source: string, line: string): void => {
      logFiles.write(source, line);
      options.onOutput?.(source, line);
    };
    const apiPort = await reserveApiPort(options.port);
    const bucketCors = new BucketCorsRules();
    // Bucket notifications are configured later, with the stack; objects created before that raise nothing.
    let objectEvents: ((event: ObjectRequestEvent) => void) | undefined;
    const starts = new SpeculativeStarts(
      localEmulatorStarters({
        ...emulatorSettings(options),
        cors: bucketCors,
        onObjectEvent: (event) => objectEvents?.(event),
        output,
        log,
      }),
    );
    stoppers.push(() => starts.stop());
    const { assembly, emulators } = await emulatorsForAssembly(options, starts, log);

    const endpoints = emulatorEndpoints(emulators);
    const runtime = startFunctionRuntime({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      baseEnvironment: {
        ...endpoints,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      },
      fauxqs: emulators.fauxqs,
      faults: options.faults,
      output,
    });
    stoppers.push(() => runtime.close());
    if (emulators.fauxqs) {
      objectEvents = (event) => runtime.notifications.notify(event);
    }
    const running = await deployAssembly(assembly, {
      runtime,
      emulators,
      bucketCors,
      scratchDirectory: options.stateDirectory,
      rewriteEndpoints: (value) => rewriteExecuteApiUrls(value, apiPort),
      // Event sources stop before the functions they feed (stoppers run last first).
      onEventSource: (source) => stoppers.push(() => source.stop()),
      output,
      log,
      timings: options.timings,
    });
    const stacks = running.map((stack) => stack.deployed);
    let outputs = outputsOf(stacks, apiPort);
    const server = await serveStacks(stacks, {
      options,
      invoker: runtime.host,
      apiPort,
      outputs: () => outputs,
      output,
      stoppers,
    });
    const outputsFile = await writeStateFiles(options.stateDirectory, outputs, endpoints);
    const updater = new CloudUpdater({
      stacks: running,
      ignoredTypes: SERVICES.ignoredTypes,
      apis: server,
      publish: async (deployed) => {
        outputs = outputsOf(deployed, apiPort);
        await writeOutputsFile(outputsFile, outputs);
      },
      host: runtime.host,
      log: (line) => output('cloudformation', line),
    });
    const restartEmulator = (name: RestartableEmulator, downMs = 0) => restartOne(emulators, name, downMs);
    return {
      get stacks() {
        return updater.stacks;
      },
      get outputs() {
        return outputs;
      },
      outputsFile,
      apiPort,
      emulatorEndpoints: endpoints,
      stop: () => stoppers.stopAll(),
      restartEmulator,
      update: (assemblyDirectory) => updater.update(assemblyDirectory),
      updateFunctionCode: (functionName, codeDirectory) =>
        updater.updateFunctionCode(functionName, codeDirectory),
    };
  } catch (error) {
    await stoppers.stopAll();
    throw error;
  }
}

/** Every stack's outputs with local URLs, by stack name. */
function outputsOf(
  stacks: readonly DeployedStack[],
  apiPort: number,
): Record<string, Record<string, string>> {
  return Object.fromEntries(stacks.map((stack) => [stack.stackName, localOutputs(stack, apiPort)]));
}

/** The emulators' settings that come from the local cloud's options and constants. */
function emulatorSettings(options: LocalCloudOptions) {
  return {
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    secretFor: localSecretFor,
    dynamoDbDataDirectory: options.persistDynamoDb
      ? path.join(options.stateDirectory, 'dynamodb-data')
      : undefined,
    cacheDirectory: options.cacheDirectory ?? defaultCacheDirectory(),
    timings: options.timings,
  };
}

/** Serves the stacks' APIs (and the site beside them) on the API port, when a stack has an API. */
async function serveStacks(
  stacks: readonly DeployedStack[],
  context: {
    readonly options: LocalCloudOptions;
    readonly invoker: FunctionInvoker;
    readonly apiPort: number;
    /** The outputs as they are now (an update changes them). */
    readonly outputs: () => unknown;
    readonly output: (source: string, line: string) => void;
    readonly stoppers: Stoppers;
  },
): Promise<ApiServer | undefined> {
  const { options } = context;
  const server = await measured(options.timings, 'API server', () =>
    serveApis(stacks, {
      invoker: context.invoker,
      port: context.apiPort,
      secretFor: localSecretFor,
      site: new StaticSite({
        mounts: options.site?.mounts ?? [],
        home: options.site?.home,
        documents: { [OUTPUTS_PATH]: () => context.outputs() },
      }),
      output: context.output,
    }),
  );
  if (server) {
    context.stoppers.push(() => server.close());
  }
  return server;
}

async function restartOne(
  emulators: Partial<LocalEmulators>,
  name: RestartableEmulator,
  downMs: number,
): Promise<void> {
  const restart = emulators.dynamodb?.restart;
  if (name !== 'dynamodb' || !restart) {
    throw new Error(
      `Cannot restart ${name}: only an emulator that keeps its data in a file can be restarted (start the local cloud with persistDynamoDb).`,
    );
  }
  await restart(downMs);
}

/**
 * Starts the emulators the caller guesses at, reads the assembly once it is there, and keeps the emulators its
 * templates use: the others are stopped, the missing ones started.
 */
async function emulatorsForAssembly(
  options: LocalCloudOptions,
  starts: SpeculativeStarts<LocalEmulators>,
  log: (line: string) => void,
): Promise<{ assembly: AssemblyStack[]; emulators: Partial<LocalEmulators> }> {
  const pending = typeof options.assemblyDirectory !== 'string';
  starts.start(options.emulators ?? (pending ? EMULATOR_NAMES : []));
  const assembly = await readAssembly(await options.assemblyDirectory);
  const needed = SERVICES.emulatorsFor(
    assembly.flatMap((stack) => Object.values(stack.template.Resources).map((resource) => resource.Type)),
  );
  const unneeded = starts.startedNames().filter((name) => !needed.has(name));
  if (unneeded.length > 0) {
    log(`Stopping ${unneeded.join(', ')}: the template does not use it`);
  }
  return { assembly, emulators: await starts.settle(needed) };
}

interface DeployAssemblyOptions extends Omit<ProviderContext, 'inputs'> {
  readonly log: (line: string) => void;
  readonly timings?: Timings;
}

/**
 * Creates the resources of each stack, in the assembly's order (stacks that others depend on first), and keeps
 * what an update needs of each: its template, providers and assets.
 */
async function deployAssembly(
  assembly: readonly AssemblyStack[],
  options: DeployAssemblyOptions,
): Promise<RunningStack[]> {
  const stacks: RunningStack[] = [];
  for (const stack of assembly) {
    options.log(`Creating the resources of ${stack.stackName}`);
    const inputs = new AssemblyInputs(stack, SERVICES.nativeCustomResources);
    const providers = SERVICES.providers({ ...options, inputs });
    const deployed = await measured(options.timings, `resources of ${stack.stackName}`, () =>
      deployStack({
        stackName: stack.stackName,
        template: stack.template,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT_ID,
        providers,
        ignoredTypes: SERVICES.ignoredTypes,
      }),
    );
    stacks.push({ deployed, template: stack.template, providers, inputs });
  }
  return stacks;
}

async function reserveApiPort(port: number): Promise<number> {
  if (port === 0) {
    return freePort();
  }
  if (!(await isPortFree(port))) {
    throw new EmulatorError(
      `Port ${port} is in use on 127.0.0.1: stop what listens there or choose another with --port.`,
    );
  }
  return port;
}
