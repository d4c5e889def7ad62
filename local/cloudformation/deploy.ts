import { randomUUID } from 'node:crypto';
import { type PseudoParameters, type ResolveContext, referencedResources, resolve } from './intrinsics.ts';
import { generatedName } from './physical-ids.ts';
import { TemplateError } from './template-error.ts';
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
}

/**
 * Creates a template's resources in dependency order, as CloudFormation does, and resolves its outputs.
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

  const included = Object.entries(template.Resources).filter(
    ([, resource]) => resource.Condition === undefined || context.condition(resource.Condition),
  );
  for (const [logicalId, resource] of deploymentOrder(new Map(included))) {
    const properties = (resolve(resource.Properties ?? {}, context, `Resources.${logicalId}.Properties`) ??
      {}) as Record<string, unknown>;
    const ignoredType = ignored.get(resource.Type);
    let created: DeployedResource;
    if (ignoredType) {
      created = ignoredResource(logicalId, resource.Type, properties, ignoredType, pseudo);
    } else {
      const provider = options.providers[resource.Type];
      if (!provider) {
        throw new TemplateError(
          `Resource ${logicalId}: the local cloud does not support ${resource.Type} (add a provider or an ignore entry)`,
        );
      }
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
        if (error instanceof TemplateError) {
          throw error;
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new TemplateError(`Resource ${logicalId} (${resource.Type}) failed to create: ${message}`, {
          cause: error,
        });
      }
    }
    deployed.set(logicalId, created);
    options.onResource?.(created);
  }

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !context.condition(output.Condition)) {
      continue;
    }
    const value = resolve(output.Value, context, `Outputs.${name}.Value`);
    outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }

  return { stackName, region, accountId, resources: deployed, outputs };
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
