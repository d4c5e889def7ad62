/** A template the local cloud cannot deploy; the message names the logical id or path at fault. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/**
 * `message` about one resource with its type appended unless it names it already, so that an error about a resource
 * names both its logical id and its type, as CloudFormation's stack events do.
 */
export function namingType(message: string, type: string): string {
  return message.includes(type) ? message : `${message} (type ${type})`;
}
