import { referencedResources } from './intrinsics.ts';
import { providerFailure, StackContext, type StackSettings } from './stack-context.ts';
import { TemplateError } from './template-error.ts';
import type { CfnResource, DeployedResource, DeployedStack } from './types.ts';

export type { IgnoredType } from './ignored-types.ts';

export interface DeployOptions extends StackSettings {
  /** Called as each resource is created, for progress output. */
  readonly onResource?: (resource: DeployedResource) => void;
}

/**
 * Creates a template's resources in dependency order, as CloudFormation does, and resolves its outputs.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
 */
export async function deployStack(options: DeployOptions): Promise<DeployedStack> {
  const { stackName, region, accountId } = options;
  const deployed = new Map<string, DeployedResource>();
  const stack = new StackContext(options, deployed);
  for (const [logicalId, resource] of deploymentOrder(stack.includedResources())) {
    const properties = stack.properties(logicalId, resource);
    const provider = stack.provider(logicalId, resource.Type);
    let created: DeployedResource;
    try {
      const result = await provider.create({
        logicalId,
        type: resource.Type,
        properties,
        stackName,
        region,
        accountId,
      });
      created = {
        logicalId,
        type: resource.Type,
        physicalId: result.physicalId,
        properties,
        attributes: result.attributes ?? {},
      };
    } catch (error) {
      throw providerFailure(logicalId, resource.Type, 'create', error);
    }
    deployed.set(logicalId, created);
    options.onResource?.(created);
  }
  return {
    stackName,
    stackId: stack.stackId,
    region,
    accountId,
    resources: deployed,
    outputs: stack.outputs(),
  };
}

/** Resources ordered so each comes after what it references or names in DependsOn; template order otherwise. */
export function deploymentOrder(resources: ReadonlyMap<string, CfnResource>): Array<[string, CfnResource]> {
  const ids = new Set(resources.keys());
  const dependencies = new Map<string, Set<string>>();
  for (const [logicalId, resource] of resources) {
    const needs = referencedResources(resource.Properties ?? {}, ids);
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const dependency of dependsOn) {
      if (!ids.has(dependency)) {
        throw new TemplateError(`Resource ${logicalId}: DependsOn names ${dependency}, which is not created`);
      }
      needs.add(dependency);
    }
    needs.delete(logicalId);
    dependencies.set(logicalId, needs);
  }

  const ordered: Array<[string, CfnResource]> = [];
  const done = new Set<string>();
  while (ordered.length < resources.size) {
    const ready = [...resources].find(
      ([logicalId]) =>
        !done.has(logicalId) && [...(dependencies.get(logicalId) ?? [])].every((id) => done.has(id)),
    );
    if (!ready) {
      const stuck = [...resources.keys()].filter((id) => !done.has(id));
      throw new TemplateError(`Circular dependency between resources: ${stuck.join(', ')}`);
    }
    ordered.push(ready);
    done.add(ready[0]);
  }
  return ordered;
}
