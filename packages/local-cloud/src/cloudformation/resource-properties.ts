import * as z from 'zod';
import { TemplateError } from './template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  DeployedResource,
  ResourceProvider,
  UpdateRequest,
} from './types.ts';

/*
 * The property types of the CloudFormation resource specification, as zod schemas of resolved values. CloudFormation
 * takes a scalar of one primitive type where another is declared, converting it: a template's `"30"` is the Integer
 * 30, `"true"` the Boolean true, and 30 the String "30" (intrinsics such as `Fn::Join` or `Ref` to a parameter always
 * produce strings). Anything else is refused with the property's path.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/cfn-resource-specification-format.html
 */

const NUMERIC_STRING = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A numeric string as its number, as CloudFormation reads an Integer or Double property. */
export const numberFromString = (value: unknown): unknown =>
  typeof value === 'string' && NUMERIC_STRING.test(value) ? Number(value) : value;

/** A number or boolean as its text, as CloudFormation reads a String property. */
export const stringFromScalar = (value: unknown): unknown =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;

/** An Integer property: a whole number, or a string that holds one. */
export const cfnInteger = z.preprocess(numberFromString, z.number().int());

/** A Double (or Long) property: a number, or a string that holds one. */
export const cfnNumber = z.preprocess(numberFromString, z.number());

/** A Boolean property: `true` / `false`, or the strings `"true"` / `"false"` (any case). */
export const cfnBoolean = z.preprocess((value) => {
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === 'true';
  }
  return value;
}, z.boolean());

/** A String property: a string, or a number or boolean written without quotes. */
export const cfnString = z.preprocess(stringFromScalar, z.string());

/** A String property that may not be empty. */
export const cfnNonEmptyString = z.preprocess(stringFromScalar, z.string().min(1));

/** An Integer property with the range the specification gives it. */
export const cfnIntegerIn = (minimum: number, maximum: number) =>
  z.preprocess(numberFromString, z.number().int().min(minimum).max(maximum));

/** A Json property: an object, or its JSON text. */
export const cfnJson = z.union([z.string(), z.record(z.string(), z.unknown())]);

/** A map of String values (`Map` of `String` in the specification). */
export const cfnStringMap = z.record(z.string(), cfnString);

/** The resolved properties a schema reads, as the provider receives them after parsing. */
export type PropertiesOf<S extends z.ZodType> = z.output<S>;

/** A create request whose properties have been parsed into `P`. */
export interface TypedCreateRequest<P> extends Omit<CreateRequest, 'properties'> {
  readonly properties: P;
}

/** An update request whose new and old properties have been parsed into `P`. */
export interface TypedUpdateRequest<P> extends Omit<UpdateRequest, 'properties' | 'oldProperties'> {
  readonly properties: P;
  readonly oldProperties: P;
}

/** A provider that receives properties already checked against its type's schema. */
export interface TypedResourceProvider<P> {
  create(request: TypedCreateRequest<P>): Promise<CreatedResource>;
  update?(request: TypedUpdateRequest<P>): Promise<CreatedResource>;
  /** Gets the properties unchecked: a resource is deleted whatever they hold. */
  delete?(request: DeleteRequest): Promise<void>;
}

/** Who the properties belong to, for the error that names them. */
interface PropertyOwner {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
}

/**
 * A provider that checks the resolved properties against `schema` on entry, before anything is created or changed,
 * and hands the typed result to `provider`. A property the schema does not name passes through untouched.
 */
export function typedProvider<S extends z.ZodType>(
  schema: S,
  provider: TypedResourceProvider<z.output<S>>,
): ResourceProvider {
  const { update } = provider;
  return {
    create: async (request) => provider.create({ ...request, properties: parseProperties(schema, request) }),
    ...(update
      ? {
          update: async (request: UpdateRequest) =>
            update({
              ...request,
              properties: parseProperties(schema, request),
              oldProperties: parseProperties(schema, { ...request, properties: request.oldProperties }),
            }),
        }
      : {}),
    ...(provider.delete ? { delete: provider.delete.bind(provider) } : {}),
  };
}

/**
 * A resource's resolved properties checked against `schema`. Fails with a {@link TemplateError} that names the
 * stack, the logical id, the type and the path of the property at fault.
 */
export function parseProperties<S extends z.ZodType>(
  schema: S,
  owner: PropertyOwner & { readonly properties: unknown },
): z.output<S> {
  const result = schema.safeParse(owner.properties ?? {}, { reportInput: true });
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map(describeIssue).join('; ');
  return throwPropertyError(owner, problems);
}

/** The typed properties of a deployed resource (checked when it was created), for code that reads the stack. */
export function deployedProperties<S extends z.ZodType>(
  schema: S,
  stackName: string,
  resource: DeployedResource,
): z.output<S> {
  return parseProperties(schema, { stackName, ...resource });
}

/** A property the schema accepts but the local cloud cannot run, refused with the same naming as a bad one. */
export function propertyError(owner: PropertyOwner, path: string, problem: string): TemplateError {
  return new TemplateError(`${ownerName(owner)}: property ${path}: ${problem}`);
}

function throwPropertyError(owner: PropertyOwner, problems: string): never {
  throw new TemplateError(`${ownerName(owner)}: ${problems}`);
}

function ownerName(owner: PropertyOwner): string {
  return `${owner.stackName}: resource ${owner.logicalId} (${owner.type})`;
}

/** One zod issue as `property A.B[0]: expected number, got "abc"`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = propertyPath(issue.path);
  const where = path === '' ? 'properties' : `property ${path}`;
  return `${where}: ${issueProblem(issue)}`;
}

function issueProblem(issue: z.core.$ZodIssue): string {
  const got = 'input' in issue ? issue.input : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return got === undefined
        ? `required, expected ${issue.expected}`
        : `expected ${issue.expected}, got ${JSON.stringify(got)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, got ${JSON.stringify(got)}`;
    case 'invalid_union':
      return got === undefined
        ? `required, expected ${unionExpectation(issue)}`
        : `expected ${unionExpectation(issue)}, got ${JSON.stringify(got)}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}, got ${JSON.stringify(got)}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}, got ${JSON.stringify(got)}`;
    default:
      return got === undefined ? issue.message : `${issue.message}, got ${JSON.stringify(got)}`;
  }
}

/** What the branches of a union expected, e.g. `string or object` for a Json property. */
function unionExpectation(issue: z.core.$ZodIssueInvalidUnion): string {
  const expected = issue.errors
    .map((branch) => branch[0])
    // A Json property's object branch is a zod record: CloudFormation calls it an object.
    .map((first) =>
      first?.code === 'invalid_type' ? first.expected.replace('record', 'object') : first?.message,
    )
    .filter((text): text is string => text !== undefined);
  return expected.length > 0 ? [...new Set(expected)].join(' or ') : 'another value';
}

/** `['A', 0, 'B']` as `A[0].B`. */
function propertyPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}
