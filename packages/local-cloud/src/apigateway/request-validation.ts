import AjvDraft04, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';

// A CommonJS module: its class is both `module.exports` and `.default`; `.default` satisfies every module mode.
const Ajv = AjvDraft04.default;

/**
 * Validates request bodies against API Gateway models (JSON Schema draft 4) and words the failures the way
 * API Gateway's validator does, for `$context.error.validationErrorString`. API Gateway does not check `format`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 */
export class ModelValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true });
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  /** `undefined` when the body is valid; otherwise API Gateway's error list, `[message, message]`. */
  validate(schema: object, body: string): string | undefined {
    let document: unknown;
    try {
      document = JSON.parse(body === '' ? 'null' : body);
    } catch (error) {
      return `[Invalid JSON in request body: ${(error as Error).message}]`;
    }
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
    }
    if (validate(document)) {
      return undefined;
    }
    return `[${collapseRequired(validate.errors ?? [])
      .map(message)
      .join(', ')}]`;
  }
}

/** The validator lists every missing property of an object in one message. */
function collapseRequired(
  errors: readonly ErrorObject[],
): Array<ErrorObject | { keyword: 'required-all'; missing: string[] }> {
  const result: Array<ErrorObject | { keyword: 'required-all'; missing: string[] }> = [];
  const missingByObject = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword === 'required') {
      const list = missingByObject.get(error.instancePath);
      const property = String((error.params as { missingProperty: string }).missingProperty);
      if (list) {
        list.push(property);
      } else {
        const missing = [property];
        missingByObject.set(error.instancePath, missing);
        result.push({ keyword: 'required-all', missing });
      }
    } else {
      result.push(error);
    }
  }
  return result;
}

function message(error: ErrorObject | { keyword: 'required-all'; missing: string[] }): string {
  if (error.keyword === 'required-all') {
    const missing = (error as { missing: string[] }).missing.sort();
    return `object has missing required properties (${JSON.stringify(missing)})`;
  }
  const { params, data } = error as ErrorObject;
  const p = params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `object instance has properties which are not allowed by the schema: ${JSON.stringify([p.additionalProperty])}`;
    case 'type':
      return `instance type (${jsonType(data)}) does not match any allowed primitive type (allowed: ${JSON.stringify([p.type].flat())})`;
    case 'minimum':
      return `numeric instance is lower than the required minimum (minimum: ${p.limit}, found: ${data})`;
    case 'maximum':
      return `numeric instance is greater than the required maximum (maximum: ${p.limit}, found: ${data})`;
    case 'minLength':
      return `string ${JSON.stringify(data)} is too short (length: ${String(data).length}, required minimum: ${p.limit})`;
    case 'maxLength':
      return `string ${JSON.stringify(data)} is too long (length: ${String(data).length}, maximum allowed: ${p.limit})`;
    case 'pattern':
      return `ECMA 262 regex ${JSON.stringify(p.pattern)} does not match input string ${JSON.stringify(data)}`;
    case 'enum':
      return `instance value (${JSON.stringify(data)}) not found in enum (possible values: ${JSON.stringify((error as ErrorObject).schema)})`;
    case 'minItems':
      return `array is too short: must have at least ${p.limit} elements but instance has ${(data as unknown[]).length} elements`;
    case 'maxItems':
      return `array is too long: must have at most ${p.limit} elements but instance has ${(data as unknown[]).length} elements`;
    default:
      return `${(error as ErrorObject).message ?? error.keyword}`;
  }
}

function jsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }
  return typeof value;
}
