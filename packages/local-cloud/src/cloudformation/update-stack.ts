import { isDeepStrictEqual } from 'node:util';
import { deploymentOrder } from './deploy.ts';
import { providerFailure, StackContext, type StackSettings } from './stack-context.ts';
import { diffTemplates } from './template-diff.ts';
import { TemplateError } from './template-error.ts';
import type {
  CfnResource,
  CfnTemplate,
  CreatedResource,
  DeployedResource,
  DeployedStack,
  ResourceProvider,
} from './types.ts';
import { NAME_PROPERTIES, replacingProperties } from './update-behaviors.ts';

export interface StackUpdateOptions
  extends Omit<StackSettings, 'stackName' | 'region' | 'accountId' | 'stackId'> {
  /** What runs now. */
  readonly current: DeployedStack;
  /** The template `current` was deployed or last updated from. */
  readonly currentTemplate: CfnTemplate;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What an update did to a stack, by logical id. */
export interface StackUpdateSummary {
  readonly stackName: string;
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly replaced: readonly string[];
  /** Removed from the template, and deleted (or attempted: see `cleanupFailures`), in the order of deletion. */
  readonly deleted: readonly string[];
  /** Removed or replaced resources kept running by their `DeletionPolicy` or `UpdateReplacePolicy` (`Retain`). */
  readonly retained: readonly string[];
  /** Deletions of the cleanup that failed; those resources are left running, outside the stack. */
  readonly cleanupFailures: ReadonlyArray<{ readonly logicalId: string; readonly message: string }>;
}

/** An update whose resources are created and updated, before its cleanup. */
export interface PendingStackUpdate {
  /** The stack as it now runs: new and updated resources, and the outputs resolved again. */
  readonly stack: DeployedStack;
  /** The cleanup: deletes what the update removed or replaced, dependents first. Never throws. */
  commit(): Promise<StackUpdateSummary>;
  /** Undoes what `beginStackUpdate` did, last first; resolves with the failures (empty when all went back). */
  rollback(): Promise<string[]>;
}

/** One change made by the first phase, with what undoes it. */
type Step =
  | { readonly kind: 'created'; readonly after: DeployedResource; readonly provider: ResourceProvider }
  | {
      readonly kind: 'replaced' | 'updated';
      readonly before: DeployedResource;
      readonly after: DeployedResource;
      readonly provider: ResourceProvider;
    };

/**
 * Updates a running stack to a new template, as CloudFormation does: resources are created and updated in the new
 * template's dependency order, a replacement created before the resource it replaces goes; the cleanup then
 * deletes removed resources and replaced ones, in reverse dependency order. Unchanged resources, whose resolved
 * properties are the same, are not touched. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks.html
 *
 * If a creation or an update fails, what this phase did is undone, last first (a created resource deleted, an
 * updated one updated back), and the error is thrown: the previous resources never went away. A resource whose
 * own update failed stays as its provider left it (providers check before they change anything).
 */
export async function beginStackUpdate(options: StackUpdateOptions): Promise<PendingStackUpdate> {
  const { current } = options;
  const settings: StackSettings = { ...options, ...identity(current) };
  const next = new Map<string, DeployedResource>();
  const stack = new StackContext(settings, next);
  const included = stack.includedResources();
  const oldTemplate = runningTemplate(options.currentTemplate, current);
  checkUpdatable(oldTemplate, { ...options.template, Resources: Object.fromEntries(included) });
  for (const [logicalId, resource] of included) {
    stack.provider(logicalId, resource.Type);
  }

  const steps: Step[] = [];
  let outputs: Record<string, string>;
  try {
    for (const [logicalId, resource] of deploymentOrder(included)) {
      const done = steps.length;
      next.set(logicalId, await applyResource(stack, current, logicalId, resource, steps));
      const step = steps[done];
      if (step) {
        options.log?.(`${current.stackName}: ${step.kind} ${logicalId} (${step.after.physicalId})`);
      }
    }
    outputs = stack.outputs();
  } catch (error) {
    const failures = await undo(steps, current);
    throw failures.length === 0
      ? error
      : new TemplateError(`${(error as Error).message}; rolling back also failed: ${failures.join('; ')}`, {
          cause: error,
        });
  }

  const updated: DeployedStack = { ...identity(current), resources: next, outputs };
  return {
    stack: updated,
    commit: () => cleanUp(options, oldTemplate, current, next, steps),
    rollback: () => undo(steps, current),
  };
}

/** Both phases: the update, then its cleanup. */
export async function updateStack(
  options: StackUpdateOptions,
): Promise<{ stack: DeployedStack; summary: StackUpdateSummary }> {
  const pending = await beginStackUpdate(options);
  return { stack: pending.stack, summary: await pending.commit() };
}

function identity(stack: DeployedStack) {
  return {
    stackName: stack.stackName,
    stackId: stack.stackId,
    region: stack.region,
    accountId: stack.accountId,
  };
}

/** The template a stack runs: the resources of its last template that were created (their Condition held). */
function runningTemplate(template: CfnTemplate, stack: DeployedStack): CfnTemplate {
  return {
    ...template,
    Resources: Object.fromEntries(
      Object.entries(template.Resources).filter(([id]) => stack.resources.has(id)),
    ),
  };
}

/** Refuses, before anything changes, an update CloudFormation would fail. */
function checkUpdatable(oldTemplate: CfnTemplate, newTemplate: CfnTemplate): void {
  const refusals = diffTemplates(oldTemplate, newTemplate).filter((change) => change.refusal !== undefined);
  if (refusals.length > 0) {
    throw new TemplateError(
      refusals.map((change) => `Resource ${change.logicalId}: ${change.refusal}`).join('\n'),
    );
  }
}

/** Creates, replaces, updates or keeps one resource; records what it did in `steps`. */
async function applyResource(
  stack: StackContext,
  current: DeployedStack,
  logicalId: string,
  resource: CfnResource,
  steps: Step[],
): Promise<DeployedResource> {
  const properties = stack.properties(logicalId, resource);
  const provider = stack.provider(logicalId, resource.Type);
  const before = current.resources.get(logicalId);
  const request = { logicalId, type: resource.Type, properties, ...identity(current) };
  const deployed = (result: CreatedResource, fallback: Readonly<Record<string, unknown>> = {}) => ({
    logicalId,
    type: resource.Type,
    physicalId: result.physicalId,
    properties,
    attributes: result.attributes ?? fallback,
  });

  if (!before) {
    const after = deployed(await run(() => provider.create(request), logicalId, resource.Type, 'create'));
    steps.push({ kind: 'created', after, provider });
    return after;
  }
  if (isDeepStrictEqual(properties, before.properties)) {
    return before;
  }
  if (replacingProperties(resource.Type, before.properties, properties).length > 0) {
    const nameProperty = NAME_PROPERTIES[resource.Type];
    const name = nameProperty === undefined ? undefined : properties[nameProperty];
    if (name !== undefined && isDeepStrictEqual(name, before.properties[nameProperty ?? ''])) {
      throw new TemplateError(
        `Resource ${logicalId}: CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${JSON.stringify(name)} and update the stack again.`,
      );
    }
    const after = deployed(
      await run(
        () => provider.create({ ...request, replaces: before.physicalId }),
        logicalId,
        resource.Type,
        'create its replacement',
      ),
    );
    // A "replacement" that kept its physical id (a setting keyed by another resource's name) was an update.
    steps.push({
      kind: after.physicalId === before.physicalId ? 'updated' : 'replaced',
      before,
      after,
      provider,
    });
    return after;
  }
  const update = provider.update?.bind(provider);
  if (!update) {
    throw new TemplateError(`Resource ${logicalId}: the local cloud cannot update ${resource.Type} in place`);
  }
  const result = await run(
    () =>
      update({
        ...request,
        physicalId: before.physicalId,
        oldProperties: before.properties,
        oldAttributes: before.attributes,
      }),
    logicalId,
    resource.Type,
    'update',
  );
  const after = deployed(result, before.attributes);
  steps.push({ kind: 'updated', before, after, provider });
  return after;
}

async function run<T>(
  operation: () => Promise<T>,
  logicalId: string,
  type: string,
  verb: string,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw providerFailure(logicalId, type, verb, error);
  }
}

/** Undoes the first phase's steps, last first; returns what could not be undone. */
async function undo(steps: readonly Step[], current: DeployedStack): Promise<string[]> {
  const failures: string[] = [];
  for (const step of [...steps].reverse()) {
    const { after, provider } = step;
    try {
      if (step.kind === 'updated') {
        const { before } = step;
        if (!provider.update) {
          throw new Error(`the local cloud cannot update ${after.type} back`);
        }
        const result = await provider.update({
          logicalId: after.logicalId,
          type: after.type,
          properties: before.properties,
          ...identity(current),
          physicalId: after.physicalId,
          oldProperties: after.properties,
          oldAttributes: after.attributes,
        });
        // Updating back answered with the old physical id: the one the update made goes.
        if (result.physicalId !== after.physicalId) {
          await provider.delete?.(deleteRequest(after, current));
        }
      } else {
        await provider.delete?.(deleteRequest(after, current));
      }
    } catch (error) {
      failures.push(`${after.logicalId}: ${(error as Error).message}`);
    }
  }
  return failures;
}

/** Retain policies keep the physical resource when CloudFormation removes it from the stack. */
const RETAINING_POLICIES: ReadonlySet<string> = new Set(['Retain', 'RetainExceptOnCreate']);

/**
 * The cleanup: removed resources (unless their `DeletionPolicy` retains them), the resources replaced (unless
 * `UpdateReplacePolicy` retains them) and those whose update answered with a new physical id, deleted in the
 * reverse dependency order of the old template. A failed deletion is reported and skipped, as CloudFormation
 * completes an update whose cleanup fails.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html
 */
async function cleanUp(
  options: StackUpdateOptions,
  oldTemplate: CfnTemplate,
  current: DeployedStack,
  next: ReadonlyMap<string, DeployedResource>,
  steps: readonly Step[],
): Promise<StackUpdateSummary> {
  const removed = [...current.resources.values()].filter((resource) => !next.has(resource.logicalId));
  const superseded = steps.flatMap((step) =>
    step.kind !== 'created' && step.after.physicalId !== step.before.physicalId ? [step] : [],
  );
  const retained: string[] = [];
  const doomed = new Map<string, DeployedResource>();
  for (const resource of removed) {
    if (RETAINING_POLICIES.has(oldTemplate.Resources[resource.logicalId]?.DeletionPolicy ?? '')) {
      retained.push(resource.logicalId);
    } else {
      doomed.set(resource.logicalId, resource);
    }
  }
  for (const step of superseded) {
    const policy = options.template.Resources[step.after.logicalId]?.UpdateReplacePolicy;
    if (step.kind === 'replaced' && RETAINING_POLICIES.has(policy ?? '')) {
      retained.push(step.after.logicalId);
    } else {
      doomed.set(step.before.logicalId, step.before);
    }
  }

  const oldStack = new StackContext(
    { ...options, ...identity(current), template: oldTemplate },
    current.resources,
  );
  const cleanupFailures: Array<{ logicalId: string; message: string }> = [];
  const deleted: string[] = [];
  for (const [logicalId] of deploymentOrder(new Map(Object.entries(oldTemplate.Resources))).reverse()) {
    const resource = doomed.get(logicalId);
    if (!resource) {
      continue;
    }
    if (!next.has(logicalId)) {
      deleted.push(logicalId);
    }
    try {
      const provider = oldStack.provider(logicalId, resource.type);
      if (!provider.delete) {
        throw new Error(`the local cloud cannot delete ${resource.type}`);
      }
      await provider.delete(deleteRequest(resource, current));
      options.log?.(`${current.stackName}: deleted ${logicalId} (${resource.physicalId})`);
    } catch (error) {
      const message = providerFailure(logicalId, resource.type, 'delete', error).message;
      options.log?.(message);
      cleanupFailures.push({ logicalId, message });
    }
  }

  const ids = (kind: Step['kind']) =>
    steps.filter((step) => step.kind === kind).map((s) => s.after.logicalId);
  return {
    stackName: current.stackName,
    created: ids('created'),
    updated: ids('updated'),
    replaced: ids('replaced'),
    deleted,
    retained,
    cleanupFailures,
  };
}

function deleteRequest(resource: DeployedResource, stack: DeployedStack) {
  return {
    logicalId: resource.logicalId,
    type: resource.type,
    physicalId: resource.physicalId,
    properties: resource.properties,
    attributes: resource.attributes,
    ...identity(stack),
  };
}
