import { createHash } from 'node:crypto';

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A short id such as API Gateway's `a1b2c3d4e5`, derived from a seed so that the same template gives
 * the same ids (and URLs) on every boot.
 */
export function shortId(seed: string, length = 10): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < length; i++) {
    id += LOWER_ALPHANUMERIC[(digest[i] ?? 0) % LOWER_ALPHANUMERIC.length];
  }
  return id;
}

/**
 * The name CloudFormation generates for a resource with no explicit name: `{stack}-{logicalId}-{suffix}`,
 * truncated to the service's limit. The suffix is derived, not random, so names are stable across boots;
 * a replacement (`replaces`: the physical id it replaces) gets another suffix, as CloudFormation gives it a new name.
 */
export function generatedName(
  stackName: string,
  logicalId: string,
  maxLength: number,
  replaces?: string,
): string {
  const seed = replaces === undefined ? `${stackName}/${logicalId}` : `${stackName}/${logicalId}/${replaces}`;
  const suffix = shortId(seed, 12).toUpperCase();
  const head = `${stackName}-${logicalId}`.slice(0, Math.max(1, maxLength - suffix.length - 1));
  return `${head}-${suffix}`;
}
