import { referencedResources } from './intrinsics.ts';
import { TemplateError } from './template-error.ts';
import type { CfnResource } from './types.ts';

/**
 * What each resource waits for: the resources it references (`Ref`, `Fn::GetAtt`, `Fn::Sub`) or names in
 * `DependsOn`. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
 */
export function resourceDependencies(resources: ReadonlyMap<string, CfnResource>): Map<string, Set<string>> {
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
  return dependencies;
}

/** Resources ordered so each comes after what it depends on; template order otherwise. Fails on a cycle. */
export function deploymentOrder(
  resources: ReadonlyMap<string, CfnResource>,
  dependencies: ReadonlyMap<string, ReadonlySet<string>> = resourceDependencies(resources),
): Array<[string, CfnResource]> {
  const ordered: Array<[string, CfnResource]> = [];
  const done = new Set<string>();
  while (ordered.length < resources.size) {
    const ready = [...resources].find(
      ([logicalId]) =>
        !done.has(logicalId) && [...(dependencies.get(logicalId) ?? [])].every((id) => done.has(id)),
    );
    if (!ready) {
      throw circularDependency([...resources.keys()].filter((id) => !done.has(id)));
    }
    ordered.push(ready);
    done.add(ready[0]);
  }
  return ordered;
}

/**
 * Runs `run` for each id as soon as every id it depends on has run, as CloudFormation creates the resources
 * whose dependencies are satisfied in parallel; at most `concurrency` at a time, the earliest in `order` first.
 * After a failure nothing more starts; the first failure is thrown once the runs under way have ended.
 */
export function runInDependencyOrder(
  order: readonly string[],
  dependencies: ReadonlyMap<string, ReadonlySet<string>>,
  run: (id: string) => Promise<void>,
  concurrency: number,
): Promise<void> {
  const position = new Map(order.map((id, index) => [id, index]));
  // Kahn's algorithm: what each id still waits for, and who waits for it.
  const waitingFor = new Map(order.map((id) => [id, dependencies.get(id)?.size ?? 0]));
  const dependents = new Map<string, string[]>();
  for (const id of order) {
    for (const dependency of dependencies.get(id) ?? []) {
      const waiting = dependents.get(dependency) ?? [];
      waiting.push(id);
      dependents.set(dependency, waiting);
    }
  }
  const ready = order.filter((id) => waitingFor.get(id) === 0);
  let finished = 0;
  let running = 0;
  let failure: { readonly error: unknown } | undefined;
  return new Promise<void>((resolve, reject) => {
    const ended = (id: string): void => {
      finished += 1;
      for (const dependent of dependents.get(id) ?? []) {
        const left = (waitingFor.get(dependent) ?? 0) - 1;
        waitingFor.set(dependent, left);
        if (left === 0) {
          ready.push(dependent);
        }
      }
      ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    };
    const startReady = (): void => {
      while (!failure && running < concurrency && ready.length > 0) {
        const id = ready.shift() as string;
        running += 1;
        Promise.resolve()
          .then(() => run(id))
          .then(
            () => ended(id),
            (error: unknown) => {
              failure ??= { error };
            },
          )
          .finally(() => {
            running -= 1;
            startReady();
          });
      }
      if (running > 0) {
        return;
      }
      if (failure) {
        reject(failure.error);
      } else if (finished < order.length) {
        reject(circularDependency(order.filter((id) => (waitingFor.get(id) ?? 0) > 0)));
      } else {
        resolve();
      }
    };
    startReady();
  });
}

function circularDependency(stuck: readonly string[]): TemplateError {
  return new TemplateError(`Circular dependency between resources: ${stuck.join(', ')}`);
}
