import { isDeepStrictEqual } from 'node:util';
import { deploymentOrder } from './deploy.ts';
import { referencedResources } from './intrinsics.ts';
import type { CfnResource, CfnTemplate } from './types.ts';
import {
  changedProperties,
  isCustomResource,
  NAME_PROPERTIES,
  propertyRequiresReplacement,
  replacingProperties,
} from './update-behaviors.ts';

/** What a stack update does to one resource. */
export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged';

/** One resource's change between two templates of a stack, as a CloudFormation change set describes it. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** For an update: the resource is replaced (a new physical resource, then the old one deleted), not updated. */
  readonly replacement: boolean;
  /** Top-level properties whose values change, those that reference a replaced resource included. */
  readonly changedProperties: readonly string[];
  /** Replaced resources this one references (`Ref`, `Fn::GetAtt`, `Fn::Sub`): it gets their new physical ids. */
  readonly replacedReferences: readonly string[];
  /** Why CloudFormation would refuse this change and fail the update, if it would. */
  readonly refusal?: string;
}

/**
 * Compares two templates of one stack, resource by resource (both already stripped of the resources whose
 * Condition is false). A resource changes when its properties do, or when a resource it references is replaced,
 * since its reference then resolves to a new physical id; whether that replaces it too depends on the property
 * the reference sits in. A reference to a resource updated in place may also resolve to a new value (a table's
 * `StreamArn` when streams are turned on): that is known only once the update has run, so the stack update
 * compares resolved properties as well. `Metadata`, `DependsOn` and the policies are not resource changes.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
 */
export function diffTemplates(oldTemplate: CfnTemplate, newTemplate: CfnTemplate): ResourceChange[] {
  const oldResources = oldTemplate.Resources;
  const own = new Map<string, MutableChange>();
  for (const [logicalId, resource] of Object.entries(newTemplate.Resources)) {
    const before = oldResources[logicalId];
    own.set(logicalId, before ? compare(logicalId, before, resource) : created(logicalId, resource));
  }

  // In dependency order, so that a replacement reaches the resources that reference it, and theirs in turn.
  const replaced = new Set([...own.values()].filter((change) => change.replacement).map((c) => c.logicalId));
  const ids = new Set(Object.keys(newTemplate.Resources));
  for (const [logicalId, resource] of deploymentOrder(new Map(Object.entries(newTemplate.Resources)))) {
    const change = own.get(logicalId) as MutableChange;
    if (change.action === 'create') {
      continue;
    }
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      const references = [...referencedResources(value, ids)].filter((id) => replaced.has(id));
      if (references.length === 0) {
        continue;
      }
      change.action = 'update';
      change.changedProperties.add(property);
      for (const reference of references) {
        change.replacedReferences.add(reference);
      }
      if (propertyRequiresReplacement(resource.Type, property)) {
        change.replacement = true;
        replaced.add(logicalId);
      }
    }
    change.refusal ??= refusalOf(change, oldResources[logicalId], resource);
  }

  const deleted = Object.entries(oldResources)
    .filter(([logicalId]) => !(logicalId in newTemplate.Resources))
    .map(
      ([logicalId, resource]): ResourceChange => ({
        logicalId,
        type: resource.Type,
        action: 'delete',
        replacement: false,
        changedProperties: [],
        replacedReferences: [],
      }),
    );
  return [...[...own.values()].map(frozen), ...deleted];
}

interface MutableChange {
  readonly logicalId: string;
  readonly type: string;
  action: ChangeAction;
  replacement: boolean;
  readonly changedProperties: Set<string>;
  readonly replacedReferences: Set<string>;
  refusal?: string;
}

function created(logicalId: string, resource: CfnResource): MutableChange {
  return {
    logicalId,
    type: resource.Type,
    action: 'create',
    replacement: false,
    changedProperties: new Set(),
    replacedReferences: new Set(),
  };
}

function compare(logicalId: string, before: CfnResource, after: CfnResource): MutableChange {
  const oldProperties = before.Properties ?? {};
  const newProperties = after.Properties ?? {};
  const changed = changedProperties(oldProperties, newProperties);
  return {
    logicalId,
    type: after.Type,
    action: changed.length > 0 || before.Type !== after.Type ? 'update' : 'unchanged',
    replacement: replacingProperties(after.Type, oldProperties, newProperties).length > 0,
    changedProperties: new Set(changed),
    replacedReferences: new Set(),
    refusal:
      before.Type === after.Type
        ? undefined
        : `Update of resource type is not permitted (${before.Type} to ${after.Type}); give the new resource another logical id`,
  };
}

/** CloudFormation's refusals of an update: a custom-named resource to replace, a custom resource's new handler. */
function refusalOf(
  change: MutableChange,
  before: CfnResource | undefined,
  after: CfnResource,
): string | undefined {
  if (change.action !== 'update' || !before) {
    return undefined;
  }
  const nameProperty = NAME_PROPERTIES[after.Type];
  const name = nameProperty === undefined ? undefined : after.Properties?.[nameProperty];
  if (
    change.replacement &&
    name !== undefined &&
    isDeepStrictEqual(name, before.Properties?.[nameProperty ?? ''])
  ) {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html
    return `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${JSON.stringify(name)} and update the stack again.`;
  }
  if (isCustomResource(after.Type) && change.changedProperties.has('ServiceToken')) {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html
    return 'Modifying service token is not allowed.';
  }
  return undefined;
}

function frozen(change: MutableChange): ResourceChange {
  return {
    logicalId: change.logicalId,
    type: change.type,
    action: change.action,
    replacement: change.action === 'update' && change.replacement,
    changedProperties: [...change.changedProperties],
    replacedReferences: [...change.replacedReferences],
    ...(change.refusal === undefined ? {} : { refusal: change.refusal }),
  };
}
