import { TemplateError } from '../cloudformation/template-error.ts';

/**
 * Reading the properties of a custom resource. CloudFormation hands them to the resource's handler as strings
 * (a `true` or a `7` in the template arrives as `"true"` or `"7"`), and CDK's handlers read them that way; the
 * local cloud resolves templates without that conversion, so these readers take either form.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html (ResourceProperties), and
 * the conversion: https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1037
 */

/** A string property, or `undefined` when absent; numbers and booleans as CloudFormation would stringify them. */
export function optionalString(
  properties: Readonly<Record<string, unknown>>,
  name: string,
  where: string,
): string | undefined {
  const value = properties[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new TemplateError(`${where}: ${name} must be a string, not ${JSON.stringify(value)}`);
}

/** A string property the resource cannot go without. */
export function requiredString(
  properties: Readonly<Record<string, unknown>>,
  name: string,
  where: string,
): string {
  const value = optionalString(properties, name, where);
  if (value === undefined || value === '') {
    throw new TemplateError(`${where} has no ${name}`);
  }
  return value;
}

/** A `"true"`/`"false"` property (compared without case, as CDK's Python handlers do), or its default. */
export function flag(
  properties: Readonly<Record<string, unknown>>,
  name: string,
  fallback: boolean,
): boolean {
  const value = properties[name];
  if (value === undefined || value === null) {
    return fallback;
  }
  return String(value).toLowerCase() === 'true';
}

/** A list of strings property, or an empty list. */
export function stringList(
  properties: Readonly<Record<string, unknown>>,
  name: string,
  where: string,
): string[] {
  const value = properties[name] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new TemplateError(`${where}: ${name} must be a list of strings`);
  }
  return value as string[];
}
