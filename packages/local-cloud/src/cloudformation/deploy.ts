import { deploymentOrder, resourceDependencies, runInDependencyOrder } from './dependency-order.ts';
import { providerFailure, StackContext, type StackSettings } from './stack-context.ts';
import type { CfnResource, DeployedResource, DeployedStack } from './types.ts';

export { deploymentOrder } from './dependency-order.ts';
export type { IgnoredType } from './ignored-types.ts';

export interface DeployOptions extends StackSettings {
  /** Called as each resource is created, for progress output. */
  readonly onResource?: (resource: DeployedResource) => void;
  /** Most resources created at the same time. @default {@link MAX_CONCURRENT_CREATES} */
  readonly concurrency?: number;
}

/**
 * Most resources the local cloud creates at once. CloudFormation creates every resource whose dependencies are
 * met in parallel; a bound keeps a wide template from opening hundreds of requests to one emulator at once.
 */
export const MAX_CONCURRENT_CREATES = 8;

/**
 * Creates a template's resources as CloudFormation does: each as soon as the resources it depends on exist,
 * independent ones in parallel; then resolves its outputs. A failure names the resource and stops the creation.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
 */
export async function deployStack(options: DeployOptions): Promise<DeployedStack> {
  const { stackName, region, accountId } = options;
  const deployed = new Map<string, DeployedResource>();
  const stack = new StackContext(options, deployed);
  const included = stack.includedResources();
  const dependencies = resourceDependencies(included);
  const order = deploymentOrder(included, dependencies).map(([logicalId]) => logicalId);
  const create = async (logicalId: string): Promise<void> => {
    const resource = included.get(logicalId) as CfnResource;
    // Resolved only now: every resource it references has been created.
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
  };
  await runInDependencyOrder(order, dependencies, create, options.concurrency ?? MAX_CONCURRENT_CREATES);
  // In dependency order, as a one-at-a-time creation would list them, whatever order they finished in.
  const resources = new Map(
    order.map((logicalId) => [logicalId, deployed.get(logicalId) as DeployedResource]),
  );
  return {
    stackName,
    stackId: stack.stackId,
    region,
    accountId,
    resources,
    outputs: stack.outputs(),
  };
}
