import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import { orderJsonSchema, type PurchaseOrder, parseOrder } from '../../../lambda/domain/order.ts';

// API Gateway validates bodies against draft 4 and does not check `format`; so does the local cloud.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, validateFormats: false });
const edgeAccepts = ajv.compile(orderJsonSchema);

/** Whether the function's schema accepts a document (an oversize attachment is a later, domain rule). */
function codeAccepts(document: unknown): boolean {
  try {
    parseOrder(JSON.stringify(document));
    return true;
  } catch (error) {
    if (error instanceof ValidationError) {
      return false;
    }
    throw error;
  }
}

/** The draft-4 keywords API Gateway models understand. */
const DRAFT_4_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
]);

type SchemaNode = Record<string, unknown>;

/** Every subschema, with its location, for checks that must hold at every level. */
function subschemas(node: SchemaNode, at = '#'): Array<[string, SchemaNode]> {
  const children: Array<[string, SchemaNode]> = [];
  if (node.items && typeof node.items === 'object') {
    children.push(...subschemas(node.items as SchemaNode, `${at}/items`));
  }
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, SchemaNode>)) {
    children.push(...subschemas(child, `${at}/properties/${name}`));
  }
  return [[at, node], ...children];
}

const order: PurchaseOrder = {
  orderId: 'order-1',
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [{ sku: 'book', quantity: 1, unitPriceCents: 1999 }],
  placedAt: '2026-11-22T10:15:00Z',
};
const line = order.lines[0];
const attachment = { filename: 'terms.pdf', contentType: 'application/pdf', base64: 'JVBERi0xLjc=' };

describe('orderJsonSchema (API Gateway request validation)', () => {
  it('declares JSON Schema draft 4, the dialect of API Gateway models', () => {
    expect(orderJsonSchema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  });

  it('uses only draft-4 keywords API Gateway understands, with no references to resolve', () => {
    const unknown = subschemas(orderJsonSchema as SchemaNode).flatMap(([at, node]) =>
      Object.keys(node)
        .filter((keyword) => !DRAFT_4_KEYWORDS.has(keyword))
        .map((keyword) => `${at}: ${keyword}`),
    );
    expect(unknown).toEqual([]);
  });

  it('refuses unknown fields on the order, its lines and its attachment', () => {
    const objects = subschemas(orderJsonSchema as SchemaNode).filter(([, node]) => node.type === 'object');
    expect(objects.map(([at, node]) => [at, node.additionalProperties])).toEqual([
      ['#', false],
      ['#/properties/lines/items', false],
      ['#/properties/attachment', false],
    ]);
  });

  it('requires every field but the attachment', () => {
    const [, lines] =
      subschemas(orderJsonSchema as SchemaNode).find(([at]) => at === '#/properties/lines/items') ?? [];
    const [, attachmentSchema] =
      subschemas(orderJsonSchema as SchemaNode).find(([at]) => at === '#/properties/attachment') ?? [];
    expect(orderJsonSchema.required).toEqual(['orderId', 'customerId', 'currency', 'lines', 'placedAt']);
    expect(lines?.required).toEqual(['sku', 'quantity', 'unitPriceCents']);
    expect(attachmentSchema?.required).toEqual(['filename', 'contentType', 'base64']);
  });

  it('leaves the attachment size to the function, which answers 413 rather than 400', () => {
    const [, base64] =
      subschemas(orderJsonSchema as SchemaNode).find(
        ([at]) => at === '#/properties/attachment/properties/base64',
      ) ?? [];
    expect(base64).toEqual({ type: 'string', pattern: expect.any(String) });
  });

  it.each<[string, unknown, boolean]>([
    ['a valid order', order, true],
    ['an order with an attachment', { ...order, attachment }, true],
    ['100 lines', { ...order, lines: Array.from({ length: 100 }, () => line) }, true],
    [
      'the largest quantity and price',
      { ...order, lines: [{ ...line, quantity: 10_000, unitPriceCents: 1e9 }] },
      true,
    ],
    ['a free item', { ...order, lines: [{ ...line, unitPriceCents: 0 }] }, true],
    ['a date with an offset and fractions', { ...order, placedAt: '2026-11-22T10:15:00.5-03:00' }, true],
    [
      'a file name of 63 characters outside the BMP',
      { ...order, attachment: { ...attachment, filename: '📄'.repeat(63) } },
      true,
    ],
    ['an unknown field', { ...order, extra: 1 }, false],
    ['an unknown field on a line', { ...order, lines: [{ ...line, note: 'gift' }] }, false],
    ['an unknown field on the attachment', { ...order, attachment: { ...attachment, url: 'x' } }, false],
    ['a missing customerId', { ...order, customerId: undefined }, false],
    ['an orderId of 65 characters', { ...order, orderId: 'a'.repeat(65) }, false],
    ['an empty orderId', { ...order, orderId: '' }, false],
    ['a bad currency', { ...order, currency: 'XXX' }, false],
    ['a withdrawn currency', { ...order, currency: 'BGN' }, false],
    ['no lines', { ...order, lines: [] }, false],
    ['101 lines', { ...order, lines: Array.from({ length: 101 }, () => line) }, false],
    ['a zero quantity', { ...order, lines: [{ ...line, quantity: 0 }] }, false],
    ['a quantity of 10,001', { ...order, lines: [{ ...line, quantity: 10_001 }] }, false],
    ['a fractional price', { ...order, lines: [{ ...line, unitPriceCents: 0.5 }] }, false],
    ['a price over 10^9 cents', { ...order, lines: [{ ...line, unitPriceCents: 1e9 + 1 }] }, false],
    ['a SKU with a space', { ...order, lines: [{ ...line, sku: 'a b' }] }, false],
    ['a date without offset', { ...order, placedAt: '2026-11-22T10:15:00' }, false],
    ['a day that does not exist', { ...order, placedAt: '2026-02-30T10:15:00Z' }, false],
    ['a path as file name', { ...order, attachment: { ...attachment, filename: 'a/b' } }, false],
    [
      'a control character in a file name',
      { ...order, attachment: { ...attachment, filename: 'a\u0000' } },
      false,
    ],
    [
      'a file name of 256 characters outside the BMP',
      { ...order, attachment: { ...attachment, filename: '📄'.repeat(256) } },
      false,
    ],
    ['a media type without subtype', { ...order, attachment: { ...attachment, contentType: 'pdf' } }, false],
    ['URL-safe base64', { ...order, attachment: { ...attachment, base64: 'ab-_' } }, false],
  ])('agrees with the code on %s', (_case, document, valid) => {
    const json = JSON.parse(JSON.stringify(document));
    expect({ edge: edgeAccepts(json), code: codeAccepts(json) }).toEqual({ edge: valid, code: valid });
  });

  it('lets the function refuse a file name over 255 UTF-8 bytes (JSON Schema counts characters only)', () => {
    const document = { ...order, attachment: { ...attachment, filename: '📄'.repeat(255) } };
    expect({ edge: edgeAccepts(document), code: codeAccepts(document) }).toEqual({ edge: true, code: false });
  });

  it('lets the function refuse base64 of a length no encoder produces (the check Java regex cannot afford)', () => {
    const document = { ...order, attachment: { ...attachment, base64: 'abc' } };
    expect({ edge: edgeAccepts(document), code: codeAccepts(document) }).toEqual({ edge: true, code: false });
  });
});
