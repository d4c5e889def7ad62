import { randomUUID } from 'node:crypto';
import { deploymentOrder, resourceDependencies, runInDependencyOrder } from './dependency-order.ts';
import { type PseudoParameters, type ResolveContext, resolve } from './intrinsics.ts';
import { generatedName } from './physical-ids.ts';
import { TemplateError } from './template-error.ts';

export { deploymentOrder } from './dependency-order.ts';

import type { CfnResource, CfnTemplate, DeployedResource, DeployedStack, ResourceProvider } from './types.ts';

/** A resource type the local cloud accepts without creating anything, and why that is safe. */
export interface IgnoredType {
  readonly type: string;
  readonly reason: string;
  /** The service and resource part of the ARN `Fn::GetAtt ... Arn` returns, e.g. `iam::role/`. */
  readonly arnPrefix?: string;
}

export interface DeployOptions {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly region: string;
  readonly accountId: string;
  /** Providers by resource type; a type with no provider and not ignored fails the deployment. */
  readonly providers: Readonly<Record<string, ResourceProvider>>;
  readonly ignoredTypes: readonly IgnoredType[];
  /** Values for template parameters; the rest take their `Default`. */
  readonly parameters?: Readonly<Record<string, unknown>>;
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
  const { template, stackName, region, accountId } = options;
  const pseudo: PseudoParameters = {
    'AWS::AccountId': accountId,
    'AWS::Region': region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`,
  };
  const ignored = new Map(options.ignoredTypes.map((entry) => [entry.type, entry]));
  const deployed = new Map<string, DeployedResource>();
  const conditionCache = new Map<string, boolean>();

  const context: ResolveContext = {
    pseudo,
    parameters: parameterValues(template, options.parameters ?? {}),
    mappings: template.Mappings ?? {},
    ref: (logicalId) => deployedResource(logicalId).physicalId,
    getAtt: (logicalId, attribute) => {
      const resource = deployedResource(logicalId);
      if (attribute in resource.attributes) {
        return resource.attributes[attribute];
      }
      throw new TemplateError(
        `Fn::GetAtt ${logicalId}.${attribute}: ${resource.type} has no such attribute here`,
      );
    },
    condition: (name) => {
      const cached = conditionCache.get(name);
      if (cached !== undefined) {
        return cached;
      }
      const definition = template.Conditions?.[name];
      if (definition === undefined) {
        throw new TemplateError(`Condition ${name} is not defined in Conditions`);
      }
      const holds = resolve(definition, context, `Conditions.${name}`) === true;
      conditionCache.set(name, holds);
      return holds;
    },
  };

  function deployedResource(logicalId: string): DeployedResource {
    const resource = deployed.get(logicalId);
    if (!resource) {
      const reason =
        logicalId in template.Resources ? 'is not created (its Condition is false)' : 'does not exist';
      throw new TemplateError(`Resource ${logicalId} ${reason}`);
    }
    return resource;
  }

  const included = new Map(
    Object.entries(template.Resources).filter(
      ([, resource]) => resource.Condition === undefined || context.condition(resource.Condition),
    ),
  );
  const dependencies = resourceDependencies(included);
  const order = deploymentOrder(included, dependencies).map(([logicalId]) => logicalId);
  const create = async (logicalId: string): Promise<void> => {
    const resource = included.get(logicalId) as CfnResource;
    // Resolved only now: every resource it references has been created.
    const properties = (resolve(resource.Properties ?? {}, context, `Resources.${logicalId}.Properties`) ??
      {}) as Record<string, unknown>;
    const created = await createResource(logicalId, resource.Type, properties, options, ignored, pseudo);
    deployed.set(logicalId, created);
    options.onResource?.(created);
  };
  await runInDependencyOrder(order, dependencies, create, options.concurrency ?? MAX_CONCURRENT_CREATES);

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !context.condition(output.Condition)) {
      continue;
    }
    const value = resolve(output.Value, context, `Outputs.${name}.Value`);
    outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }

  // In dependency order, as a one-at-a-time creation would list them, whatever order they finished in.
  const resources = new Map(order.map((logicalId) => [logicalId, deployedResource(logicalId)]));
  return { stackName, region, accountId, resources, outputs };
}

/** Creates one resource with its type's provider, or stands it in for an ignored type. */
async function createResource(
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  options: DeployOptions,
  ignored: ReadonlyMap<string, IgnoredType>,
  pseudo: PseudoParameters,
): Promise<DeployedResource> {
  const ignoredType = ignored.get(type);
  if (ignoredType) {
    return ignoredResource(logicalId, type, properties, ignoredType, pseudo);
  }
  const provider = options.providers[type];
  if (!provider) {
    throw new TemplateError(
      `Resource ${logicalId}: the local cloud does not support ${type} (add a provider or an ignore entry)`,
    );
  }
  try {
    const { stackName, region, accountId } = options;
    const result = await provider.create({ logicalId, type, properties, stackName, region, accountId });
    return {
      logicalId,
      type,
      physicalId: result.physicalId,
      properties,
      attributes: result.attributes ?? {},
    };
  } catch (error) {
    if (error instanceof TemplateError) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new TemplateError(`Resource ${logicalId} (${type}) failed to create: ${message}`, { cause: error });
  }
}

function parameterValues(
  template: CfnTemplate,
  given: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? parameter.Default;
    if (value === undefined) {
      throw new TemplateError(`Parameter ${name} has no value and no Default`);
    }
    values[name] = value;
  }
  return values;
}

function ignoredResource(
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  ignoredType: IgnoredType,
  pseudo: PseudoParameters,
): DeployedResource {
  const physicalId = generatedName(pseudo['AWS::StackName'], logicalId, 64);
  const [service, resourcePrefix] = (
    ignoredType.arnPrefix ?? `${type.split('::')[1]?.toLowerCase()}::`
  ).split('::');
  // IAM ARNs carry no region; every other service's does.
  const region = service === 'iam' ? '' : pseudo['AWS::Region'];
  return {
    logicalId,
    type,
    physicalId,
    properties,
    attributes: {
      Arn: `arn:aws:${service}:${region}:${pseudo['AWS::AccountId']}:${resourcePrefix}${physicalId}`,
    },
  };
}
