import { randomUUID } from 'node:crypto';
import { type IgnoredType, ignoredProvider } from './ignored-types.ts';
import { type PseudoParameters, type ResolveContext, resolve } from './intrinsics.ts';
import { namingType, TemplateError } from './template-error.ts';
import type { CfnResource, CfnTemplate, DeployedResource, ResourceProvider } from './types.ts';

/** What deploying and updating a stack share: its identity, template, parameters and providers. */
export interface StackSettings {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /** `AWS::StackId`; a new one when absent (a stack's first deployment). */
  readonly stackId?: string;
  readonly template: CfnTemplate;
  /** Providers by resource type; a type with no provider and not ignored fails the deployment. */
  readonly providers: Readonly<Record<string, ResourceProvider>>;
  readonly ignoredTypes: readonly IgnoredType[];
  /** Values for template parameters; the rest take their `Default`. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** A template bound to a stack: resolution against a set of deployed resources, and the provider of each type. */
export class StackContext {
  readonly pseudo: PseudoParameters;
  readonly context: ResolveContext;
  private readonly ignored: ReadonlyMap<string, IgnoredType>;
  private readonly conditions = new Map<string, boolean>();

  /** `resources` is read at each `Ref` and `Fn::GetAtt`: the deployment in progress fills it. */
  constructor(
    private readonly settings: StackSettings,
    private readonly resources: ReadonlyMap<string, DeployedResource>,
  ) {
    const { stackName, region, accountId, template } = settings;
    this.pseudo = {
      'AWS::AccountId': accountId,
      'AWS::Region': region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stackName,
      'AWS::StackId':
        settings.stackId ??
        `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${randomUUID()}`,
    };
    this.ignored = new Map(settings.ignoredTypes.map((entry) => [entry.type, entry]));
    const context: ResolveContext = {
      pseudo: this.pseudo,
      parameters: parameterValues(template, settings.parameters ?? {}),
      mappings: template.Mappings ?? {},
      ref: (logicalId) => this.resource(logicalId).physicalId,
      getAtt: (logicalId, attribute) => {
        const resource = this.resource(logicalId);
        if (attribute in resource.attributes) {
          return resource.attributes[attribute];
        }
        throw new TemplateError(
          `Fn::GetAtt ${logicalId}.${attribute}: ${resource.type} has no such attribute here`,
        );
      },
      condition: (name) => this.condition(name),
    };
    this.context = context;
  }

  get stackId(): string {
    return this.pseudo['AWS::StackId'];
  }

  /** The template's resources whose Condition holds, in template order. */
  includedResources(): Map<string, CfnResource> {
    return new Map(
      Object.entries(this.settings.template.Resources).filter(
        ([, resource]) => resource.Condition === undefined || this.condition(resource.Condition),
      ),
    );
  }

  /** A resource's properties with every intrinsic resolved. */
  properties(logicalId: string, resource: CfnResource): Record<string, unknown> {
    return (resolve(resource.Properties ?? {}, this.context, `Resources.${logicalId}.Properties`) ??
      {}) as Record<string, unknown>;
  }

  /** The outputs whose Condition holds, resolved; a non-string value as JSON. */
  outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.settings.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !this.condition(output.Condition)) {
        continue;
      }
      const value = resolve(output.Value, this.context, `Outputs.${name}.Value`);
      outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return outputs;
  }

  /** The provider of a type: the given one, or the ignored-type one; fails for a type with neither. */
  provider(logicalId: string, type: string): ResourceProvider {
    const ignoredType = this.ignored.get(type);
    if (ignoredType) {
      return ignoredProvider(ignoredType);
    }
    const provider = this.settings.providers[type];
    if (!provider) {
      throw new TemplateError(
        `Resource ${logicalId}: the local cloud does not support ${type} (add a provider or an ignore entry)`,
      );
    }
    return provider;
  }

  private condition(name: string): boolean {
    const cached = this.conditions.get(name);
    if (cached !== undefined) {
      return cached;
    }
    const definition = this.settings.template.Conditions?.[name];
    if (definition === undefined) {
      throw new TemplateError(`Condition ${name} is not defined in Conditions`);
    }
    const holds = resolve(definition, this.context, `Conditions.${name}`) === true;
    this.conditions.set(name, holds);
    return holds;
  }

  private resource(logicalId: string): DeployedResource {
    const resource = this.resources.get(logicalId);
    if (!resource) {
      const reason =
        logicalId in this.settings.template.Resources
          ? 'is not created (its Condition is false)'
          : 'does not exist';
      throw new TemplateError(`Resource ${logicalId} ${reason}`);
    }
    return resource;
  }
}

/** A provider's failure as a template error naming the resource and its type. */
export function providerFailure(
  logicalId: string,
  type: string,
  operation: string,
  error: unknown,
): TemplateError {
  if (error instanceof TemplateError) {
    // A provider's own refusal ("Resource X: runtime python3.12 is not supported") names the resource, not its type.
    return error.message.includes(type)
      ? error
      : new TemplateError(namingType(error.message, type), { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TemplateError(`Resource ${logicalId} (${type}) failed to ${operation}: ${message}`, {
    cause: error,
  });
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
