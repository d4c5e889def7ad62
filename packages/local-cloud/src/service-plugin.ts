import type { AssemblyInputs } from './cloud-update.ts';
import type { IgnoredType } from './cloudformation/ignored-types.ts';
import type { ResourceProvider } from './cloudformation/types.ts';
import type { EmulatorName, LocalEmulators } from './emulators/local-emulators.ts';
import type { FunctionRuntime } from './function-runtime.ts';
import type { BucketCorsRules } from './s3/bucket-cors.ts';

/** What a resource provider may use of the running local cloud, for one stack. */
export interface ProviderContext {
  readonly runtime: FunctionRuntime;
  /** The emulators running: only those that the assembly's resource types need. */
  readonly emulators: Partial<LocalEmulators>;
  readonly bucketCors: BucketCorsRules;
  /** Where inline function code is written. */
  readonly scratchDirectory: string;
  /** Rewrites AWS endpoint URLs in function environments to their local counterparts. */
  readonly rewriteEndpoints: (value: string) => string;
  /** Each event source as it starts polling, so that it is stopped before the functions it feeds. */
  readonly onEventSource: (source: { stop(): Promise<void> }) => void;
  readonly output: (source: string, line: string) => void;
  /** The stack's assets and the custom resource handlers that stand in for native ones. */
  readonly inputs: AssemblyInputs;
}

/**
 * One AWS service as the local cloud runs it: the resource types it creates (each with the provider that does it),
 * the emulator those need, and the types it accepts without creating anything. A new service is a folder with a
 * plugin, listed once in services.ts.
 */
export interface ServicePlugin {
  readonly service: string;
  /** The emulator that serves this service's resource types. @default none: the local cloud serves them itself */
  readonly emulator?: EmulatorName;
  /**
   * The resource types it creates. A `Custom::` type among them is implemented natively: the CDK's handler function
   * behind it is created as a stand-in and never run.
   */
  readonly resourceTypes?: readonly string[];
  /** A provider for each of {@link resourceTypes}, built for each stack deployed (they may share state). */
  providers?(context: ProviderContext): Record<string, ResourceProvider>;
  /** Types accepted without creating anything, each with the reason that is safe. */
  readonly ignored?: readonly IgnoredType[];
}

/** An emulator a plugin's providers use: the registry builds them only while the plugin's emulator runs. */
export function runningEmulator<Name extends EmulatorName>(
  context: ProviderContext,
  name: Name,
): LocalEmulators[Name] {
  const emulator = context.emulators[name];
  if (!emulator) {
    throw new Error(`The ${name} emulator is not running`);
  }
  return emulator as LocalEmulators[Name];
}
