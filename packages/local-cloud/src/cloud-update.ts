import { stat } from 'node:fs/promises';
import { type AssemblyStack, readAssembly } from './cloudformation/assembly.ts';
import type { IgnoredType } from './cloudformation/ignored-types.ts';
import { TemplateError } from './cloudformation/template-error.ts';
import type { CfnTemplate, DeployedStack, ResourceProvider } from './cloudformation/types.ts';
import {
  beginStackUpdate,
  type PendingStackUpdate,
  type StackUpdateSummary,
} from './cloudformation/update-stack.ts';
import { customResourceHandlers } from './lambda/function-provider.ts';

/**
 * What a stack's providers read from its cloud assembly, renewed by each update: the staged asset folders (new
 * code is a new asset) and the functions that only stand in for custom resources the local cloud implements.
 */
export class AssemblyInputs {
  readonly assetsByObjectKey = new Map<string, string>();
  readonly standIns = new Set<string>();

  constructor(
    stack: AssemblyStack,
    private readonly localCustomResourceTypes: ReadonlySet<string>,
  ) {
    this.renew(stack.template, stack.assetsByObjectKey);
  }

  /** Takes a template's stand-ins and its assets; earlier assets stay known, so that a rollback finds its code. */
  renew(template: CfnTemplate, assets: ReadonlyMap<string, string>): void {
    for (const [key, folder] of assets) {
      this.assetsByObjectKey.set(key, folder);
    }
    this.standIns.clear();
    for (const logicalId of customResourceHandlers(template.Resources, this.localCustomResourceTypes)) {
      this.standIns.add(logicalId);
    }
  }
}

/** A stack as the local cloud runs it: what was deployed, from which template, and the providers it uses. */
export interface RunningStack {
  deployed: DeployedStack;
  template: CfnTemplate;
  readonly providers: Readonly<Record<string, ResourceProvider>>;
  readonly inputs: AssemblyInputs;
}

/** What an update of the local cloud did, stack by stack. */
export interface CloudUpdateSummary {
  readonly stacks: readonly StackUpdateSummary[];
  /** Running stacks the assembly no longer has: left as they run, as `cdk deploy` leaves them. */
  readonly untouchedStacks: readonly string[];
}

export interface CloudUpdaterOptions {
  /** The stacks running, in dependency order; the updater keeps them current. */
  readonly stacks: RunningStack[];
  readonly ignoredTypes: readonly IgnoredType[];
  /** The API server, when one runs: it serves the APIs of the updated stacks. */
  readonly apis?: { reload(stack: DeployedStack | undefined): void };
  /** Writes the outputs of the stacks as they now run (`outputs.json`). */
  readonly publish: (stacks: readonly DeployedStack[]) => Promise<void>;
  /** The Lambda host, for code swaps. */
  readonly host: { updateFunctionCode(functionName: string, codeDirectory: string): void };
  readonly log?: (line: string) => void;
}

const API_TYPES: ReadonlySet<string> = new Set(['AWS::ApiGateway::RestApi', 'AWS::ApiGatewayV2::Api']);

/**
 * Applies a new cloud assembly to the running local cloud, one update at a time, as `cdk deploy` does to each
 * stack: every stack's resources are created and updated first (stack after stack), the API server then serves the
 * new routes, and only then are removed and replaced resources deleted.
 *
 * On a failure before the cleanup, every stack is rolled back (see `beginStackUpdate`) and the error is thrown:
 * the previous resources serve on, untouched or updated back. What could not be rolled back is named in the
 * error; such a resource keeps its new state. A deletion that fails in the cleanup does not fail the update: it is
 * reported in the summary, and the resource is left running outside the stack, as CloudFormation leaves it.
 */
export class CloudUpdater {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CloudUpdaterOptions) {}

  /** The stacks as they run now. */
  get stacks(): DeployedStack[] {
    return this.options.stacks.map((stack) => stack.deployed);
  }

  /** Reads the assembly in `assemblyDirectory` and applies each stack's changes (see the class comment). */
  update(assemblyDirectory: string): Promise<CloudUpdateSummary> {
    return this.serialized(() => this.apply(assemblyDirectory));
  }

  /**
   * Runs new code for one function (by name), as UpdateFunctionCode does: the fast path when only a bundle
   * changed. The folder must hold the handler file the function names; the template is not read.
   */
  updateFunctionCode(functionName: string, codeDirectory: string): Promise<void> {
    return this.serialized(async () => {
      const folder = await stat(codeDirectory).catch(() => undefined);
      if (!folder?.isDirectory()) {
        throw new TemplateError(`${codeDirectory} is not a folder of function code`);
      }
      this.options.host.updateFunctionCode(functionName, codeDirectory);
      this.options.log?.(`${functionName}: new code from ${codeDirectory}`);
    });
  }

  /** Runs one update after the other, whatever became of the one before. */
  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.last.then(operation, operation);
    this.last = next.catch(() => {});
    return next;
  }

  private async apply(assemblyDirectory: string): Promise<CloudUpdateSummary> {
    const assembly = await readAssembly(assemblyDirectory);
    const running = new Map(this.options.stacks.map((stack) => [stack.deployed.stackName, stack]));
    this.checkApplicable(assembly, running);

    const started: Array<{ running: RunningStack; pending: PendingStackUpdate; template: CfnTemplate }> = [];
    try {
      for (const stack of assembly) {
        const current = running.get(stack.stackName) as RunningStack;
        current.inputs.renew(stack.template, stack.assetsByObjectKey);
        const pending = await beginStackUpdate({
          current: current.deployed,
          currentTemplate: current.template,
          template: stack.template,
          providers: current.providers,
          ignoredTypes: this.options.ignoredTypes,
          log: this.options.log,
        });
        started.push({ running: current, pending, template: stack.template });
      }
      const updated = new Map(started.map(({ pending }) => [pending.stack.stackName, pending.stack]));
      const after = this.stacks.map((stack) => updated.get(stack.stackName) ?? stack);
      const withApis = after.filter((stack) =>
        [...stack.resources.values()].some((r) => API_TYPES.has(r.type)),
      );
      if (withApis.length > 1) {
        throw new TemplateError('APIs in more than one stack are not supported by the local cloud yet.');
      }
      this.options.apis?.reload(withApis[0]);
    } catch (error) {
      throw await this.rollBack(started, running, error);
    }

    for (const { running: stack, pending, template } of started) {
      stack.deployed = pending.stack;
      stack.template = template;
    }
    // Cleanup last stack first, as a stack's dependents are deployed after it.
    const summaries: StackUpdateSummary[] = [];
    for (const { pending } of [...started].reverse()) {
      summaries.unshift(await pending.commit());
    }
    await this.options.publish(this.stacks);
    const inAssembly = new Set(assembly.map((stack) => stack.stackName));
    return {
      stacks: summaries,
      untouchedStacks: [...running.keys()].filter((name) => !inAssembly.has(name)),
    };
  }

  /** Refuses what the running local cloud cannot take without a restart, before anything changes. */
  private checkApplicable(
    assembly: readonly AssemblyStack[],
    running: ReadonlyMap<string, RunningStack>,
  ): void {
    const added = assembly.filter((stack) => !running.has(stack.stackName)).map((stack) => stack.stackName);
    if (added.length > 0) {
      throw new TemplateError(
        `Stack ${added.join(', ')} is new to the running local cloud: restart it to deploy a new stack`,
      );
    }
    const ignored = new Set(this.options.ignoredTypes.map((entry) => entry.type));
    for (const stack of assembly) {
      const { providers } = running.get(stack.stackName) as RunningStack;
      const missing = new Set(
        Object.values(stack.template.Resources)
          .map((resource) => resource.Type)
          .filter((type) => !providers[type] && !ignored.has(type)),
      );
      if (missing.size > 0) {
        throw new TemplateError(
          `Stack ${stack.stackName} now has ${[...missing].join(', ')}: the local cloud has no provider for it running (an emulator it did not start, or a type it does not support); restart it`,
        );
      }
    }
    const apis = assembly.some((stack) =>
      Object.values(stack.template.Resources).some((resource) => API_TYPES.has(resource.Type)),
    );
    if (apis && !this.options.apis) {
      throw new TemplateError(
        'The assembly now has an API, and the local cloud started without one: restart it to serve the API',
      );
    }
  }

  /** Rolls back the stacks begun, last first; the error to throw names what could not be rolled back. */
  private async rollBack(
    started: ReadonlyArray<{ running: RunningStack; pending: PendingStackUpdate }>,
    running: ReadonlyMap<string, RunningStack>,
    error: unknown,
  ): Promise<unknown> {
    const failures: string[] = [];
    for (const { pending } of [...started].reverse()) {
      failures.push(...(await pending.rollback()));
    }
    for (const stack of running.values()) {
      stack.inputs.renew(stack.template, new Map());
    }
    if (failures.length === 0) {
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new TemplateError(`${message}; rolling back also failed: ${failures.join('; ')}`, {
      cause: error,
    });
  }
}
