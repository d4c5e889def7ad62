import { TemplateError } from './template-error.ts';

/** The pseudo parameters CloudFormation defines, as the local cloud answers them. */
export interface PseudoParameters {
  readonly 'AWS::AccountId': string;
  readonly 'AWS::Region': string;
  readonly 'AWS::Partition': string;
  readonly 'AWS::URLSuffix': string;
  readonly 'AWS::StackName': string;
  readonly 'AWS::StackId': string;
}

/** What resolution needs from the deployment in progress. */
export interface ResolveContext {
  readonly pseudo: PseudoParameters;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly mappings: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  /** `Ref` of a resource: its physical id. */
  ref(logicalId: string): string;
  /** `Fn::GetAtt` of a resource attribute. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** Whether a named condition holds. */
  condition(name: string): boolean;
}

/** `Ref: AWS::NoValue` removes the property or list element it stands in. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** Where in the template a value sits, for error messages (`Resources.Fn.Properties.Role`). */
type Path = string;

/**
 * Resolves every intrinsic function in a template value.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
export function resolve(value: unknown, context: ResolveContext, path: Path = ''): unknown {
  const resolved = resolveNode(value, context, path);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveNode(value: unknown, context: ResolveContext, path: Path): unknown {
  if (Array.isArray(value)) {
    return value
      .map((item, index) => resolveNode(item, context, `${path}[${index}]`))
      .filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && isIntrinsicName(first[0])) {
    return resolveIntrinsic(first[0], first[1], context, `${path}.${first[0]}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveNode(item, context, path ? `${path}.${key}` : key);
    if (resolved !== NO_VALUE) {
      result[key] = resolved;
    }
  }
  return result;
}

function isIntrinsicName(key: string): boolean {
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::');
}

function resolveIntrinsic(name: string, argument: unknown, context: ResolveContext, path: Path): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(expectString(argument, path), context, path);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttArguments(argument, path);
      return context.getAtt(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectTuple(argument, 2, path);
      const items = resolveNode(list, context, path);
      if (!Array.isArray(items)) {
        throw new TemplateError(`${path}: Fn::Join needs a list of values`);
      }
      return items.map((item) => stringOf(item, path)).join(expectString(delimiter, path));
    }
    case 'Fn::Sub':
      return resolveSub(argument, context, path);
    case 'Fn::Select': {
      const [index, list] = expectTuple(argument, 2, path);
      const items = resolveNode(list, context, path);
      const position = Number(resolveNode(index, context, path));
      if (!Array.isArray(items) || !Number.isInteger(position) || position < 0 || position >= items.length) {
        throw new TemplateError(`${path}: Fn::Select index ${String(position)} is out of range`);
      }
      return items[position];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectTuple(argument, 2, path);
      return stringOf(resolveNode(source, context, path), path).split(expectString(delimiter, path));
    }
    case 'Fn::If': {
      const [conditionName, whenTrue, whenFalse] = expectTuple(argument, 3, path);
      const branch = context.condition(expectString(conditionName, path)) ? whenTrue : whenFalse;
      return resolveNode(branch, context, path);
    }
    case 'Fn::Equals': {
      const [left, right] = expectTuple(argument, 2, path);
      return (
        JSON.stringify(resolveNode(left, context, path)) === JSON.stringify(resolveNode(right, context, path))
      );
    }
    case 'Fn::And':
      return expectList(argument, path).every((item) => resolveNode(item, context, path) === true);
    case 'Fn::Or':
      return expectList(argument, path).some((item) => resolveNode(item, context, path) === true);
    case 'Fn::Not': {
      const [operand] = expectTuple(argument, 1, path);
      return resolveNode(operand, context, path) !== true;
    }
    case 'Condition':
      return context.condition(expectString(argument, path));
    case 'Fn::FindInMap': {
      const [map, top, second] = expectTuple(argument, 3, path).map((item) =>
        stringOf(resolveNode(item, context, path), path),
      ) as [string, string, string];
      const found = context.mappings[map]?.[top]?.[second];
      if (found === undefined) {
        throw new TemplateError(`${path}: Fn::FindInMap found nothing at ${map}.${top}.${second}`);
      }
      return found;
    }
    case 'Fn::GetAZs': {
      const region = context.pseudo['AWS::Region'];
      return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
    }
    case 'Fn::Base64':
      return Buffer.from(stringOf(resolveNode(argument, context, path), path)).toString('base64');
    default:
      throw new TemplateError(`${path}: the local cloud does not support ${name}`);
  }
}

function resolveRef(name: string, context: ResolveContext, path: Path): unknown {
  if (name === 'AWS::NoValue') {
    return NO_VALUE;
  }
  if (name === 'AWS::NotificationARNs') {
    return [];
  }
  if (name in context.pseudo) {
    return context.pseudo[name as keyof PseudoParameters];
  }
  if (name.startsWith('AWS::')) {
    throw new TemplateError(`${path}: unknown pseudo parameter ${name}`);
  }
  if (name in context.parameters) {
    return context.parameters[name];
  }
  return context.ref(name);
}

function getAttArguments(argument: unknown, path: Path): [string, string] {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot > 0) {
      return [argument.slice(0, dot), argument.slice(dot + 1)];
    }
  } else if (Array.isArray(argument) && argument.length === 2) {
    return [expectString(argument[0], path), expectString(argument[1], path)];
  }
  throw new TemplateError(`${path}: Fn::GetAtt needs [logicalId, attribute]`);
}

// ${Name}, ${Resource.Attribute}, ${AWS::Region}; ${!Literal} stands for the text ${Literal}.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html
const SUB_VARIABLE = /\$\{([^}]*)\}/g;

function resolveSub(argument: unknown, context: ResolveContext, path: Path): string {
  const [template, variables] = Array.isArray(argument)
    ? [expectString(argument[0], path), (argument[1] ?? {}) as Record<string, unknown>]
    : [expectString(argument, path), {}];
  return template.replace(SUB_VARIABLE, (whole, expression: string) => {
    if (expression.startsWith('!')) {
      return `\${${expression.slice(1)}}`;
    }
    if (expression in variables) {
      return stringOf(resolveNode(variables[expression], context, path), path);
    }
    const dot = expression.indexOf('.');
    if (dot > 0 && !expression.startsWith('AWS::')) {
      return stringOf(context.getAtt(expression.slice(0, dot), expression.slice(dot + 1)), path);
    }
    const value = resolveRef(expression, context, path);
    if (value === NO_VALUE) {
      throw new TemplateError(`${path}: ${whole} cannot stand in a string`);
    }
    return stringOf(value, path);
  });
}

/** The logical ids a template value refers to (Ref, Fn::GetAtt, Fn::Sub), for dependency order. */
export function referencedResources(value: unknown, resourceIds: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') {
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      if (key === 'Ref' && typeof item === 'string' && resourceIds.has(item)) {
        found.add(item);
      } else if (key === 'Fn::GetAtt') {
        const id = typeof item === 'string' ? item.split('.')[0] : Array.isArray(item) ? item[0] : undefined;
        if (typeof id === 'string' && resourceIds.has(id)) {
          found.add(id);
        }
      } else if (key === 'Fn::Sub') {
        const template = Array.isArray(item) ? item[0] : item;
        if (typeof template === 'string') {
          for (const match of template.matchAll(SUB_VARIABLE)) {
            const id = (match[1] ?? '').split('.')[0] ?? '';
            if (resourceIds.has(id)) {
              found.add(id);
            }
          }
        }
      }
      visit(item);
    }
  };
  visit(value);
  return found;
}

function stringOf(value: unknown, path: Path): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new TemplateError(`${path}: expected a string, got ${JSON.stringify(value)}`);
}

function expectString(value: unknown, path: Path): string {
  if (typeof value !== 'string') {
    throw new TemplateError(`${path}: expected a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectList(value: unknown, path: Path): unknown[] {
  if (!Array.isArray(value)) {
    throw new TemplateError(`${path}: expected a list, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectTuple(value: unknown, length: number, path: Path): unknown[] {
  const list = expectList(value, path);
  if (list.length !== length) {
    throw new TemplateError(`${path}: expected ${length} arguments, got ${list.length}`);
  }
  return list;
}
