/** A template the local cloud cannot deploy; the message names the logical id or path at fault. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}
