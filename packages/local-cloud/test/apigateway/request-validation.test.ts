import { describe, expect, it } from 'vitest';
import { ModelValidator } from '../../src/apigateway/request-validation.ts';

const schema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  properties: {
    orderId: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
    quantity: { type: 'integer', minimum: 1, maximum: 10 },
    currency: { enum: ['EUR', 'USD'] },
    placedAt: { type: 'string', format: 'date-time' },
    lines: { type: 'array', minItems: 1, items: { type: 'object' } },
  },
  required: ['orderId', 'quantity'],
  additionalProperties: false,
};

describe('ModelValidator', () => {
  const validator = new ModelValidator();

  it('accepts a valid body, without checking format as API Gateway does not', () => {
    expect(
      validator.validate(schema, JSON.stringify({ orderId: 'ab', quantity: 2, placedAt: 'not a date' })),
    ).toBeUndefined();
  });

  it('words failures as API Gateway does: missing properties in one message, unknown ones named', () => {
    expect(validator.validate(schema, JSON.stringify({ extra: true }))).toBe(
      '[object has missing required properties (["orderId","quantity"]), object instance has properties which are not allowed by the schema: ["extra"]]',
    );
  });

  it('reports types, bounds, patterns, enums and array sizes', () => {
    const message = validator.validate(
      schema,
      JSON.stringify({ orderId: 'ABCDEF', quantity: 11, currency: 'GBP', lines: [] }),
    );
    expect(message).toContain('ECMA 262 regex "^[a-z]+$" does not match input string "ABCDEF"');
    expect(message).toContain('string "ABCDEF" is too long (length: 6, maximum allowed: 5)');
    expect(message).toContain(
      'numeric instance is greater than the required maximum (maximum: 10, found: 11)',
    );
    expect(message).toContain('instance value ("GBP") not found in enum (possible values: ["EUR","USD"])');
    expect(message).toContain(
      'array is too short: must have at least 1 elements but instance has 0 elements',
    );
    expect(validator.validate(schema, JSON.stringify({ orderId: 'a', quantity: '2' }))).toBe(
      '[instance type (string) does not match any allowed primitive type (allowed: ["integer"])]',
    );
  });

  it('refuses a body that is not JSON', () => {
    expect(validator.validate(schema, '{"orderId":')).toMatch(/^\[Invalid JSON in request body/);
  });
});
