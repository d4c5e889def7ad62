import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import {
  AttachmentTooLargeError,
  OrderConflictError,
  ValidationError,
} from '../../../lambda/domain/errors.ts';
import {
  fingerprintOf,
  MAX_ATTACHMENT_BYTES,
  orderJsonSchema,
  type PurchaseOrder,
  parseOrder,
  recordOrder,
  replayOrConflict,
  toPublicOrder,
} from '../../../lambda/domain/order.ts';

const order: PurchaseOrder = {
  orderId: 'order-1',
  customerId: 'customer-1',
  currency: 'EUR',
  placedAt: '2026-11-22T10:15:00+01:00',
  lines: [
    { sku: 'book', quantity: 3, unitPriceCents: 1999 },
    { sku: 'pen.blue', quantity: 10, unitPriceCents: 0 },
  ],
};

function validationErrorsOf(body: unknown): Array<{ pointer: string; detail: string }> {
  try {
    parseOrder(typeof body === 'string' ? body : JSON.stringify(body));
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).errors];
  }
  throw new Error('expected a ValidationError');
}

describe('parseOrder', () => {
  it('accepts a valid order', () => {
    expect(parseOrder(JSON.stringify(order)).order).toEqual(order);
  });

  it.each([
    ['a missing body', null, '#'],
    ['an empty body', '  ', '#'],
    ['a body that is not JSON', '{"orderId":', '#'],
  ])('refuses %s', (_case, body, pointer) => {
    expect(validationErrorsOf(body as string)[0]?.pointer).toBe(pointer);
  });

  it('names every bad field with a JSON Pointer', () => {
    const errors = validationErrorsOf({
      ...order,
      orderId: 'has spaces',
      currency: 'EURO',
      placedAt: '22/11/2026',
      lines: [{ sku: 'book', quantity: 0, unitPriceCents: -1 }],
      couponCode: 'FREE',
    });
    expect(errors.map((error) => error.pointer).sort()).toEqual([
      '#/couponCode',
      '#/currency',
      '#/lines/0/quantity',
      '#/lines/0/unitPriceCents',
      '#/orderId',
      '#/placedAt',
    ]);
    expect(errors.find((error) => error.pointer === '#/currency')?.detail).toMatch(/ISO 4217/);
  });

  it.each([
    ['no lines', { lines: [] }, '#/lines'],
    ['101 lines', { lines: Array.from({ length: 101 }, () => order.lines[0]) }, '#/lines'],
    [
      'a quantity over 10,000',
      { lines: [{ sku: 'a', quantity: 10_001, unitPriceCents: 1 }] },
      '#/lines/0/quantity',
    ],
    [
      'a fractional price',
      { lines: [{ sku: 'a', quantity: 1, unitPriceCents: 1.5 }] },
      '#/lines/0/unitPriceCents',
    ],
    ['an orderId of 65 characters', { orderId: 'x'.repeat(65) }, '#/orderId'],
    ['a date without offset', { placedAt: '2026-11-22T10:15:00' }, '#/placedAt'],
    [
      'a path as attachment name',
      { attachment: { filename: '../etc/passwd', contentType: 'text/plain', base64: '' } },
      '#/attachment/filename',
    ],
    [
      'a control character in a file name',
      { attachment: { filename: 'a\u0007.pdf', contentType: 'application/pdf', base64: '' } },
      '#/attachment/filename',
    ],
  ])('refuses %s', (_case, change, pointer) => {
    expect(validationErrorsOf({ ...order, ...change }).map((error) => error.pointer)).toContain(pointer);
  });

  it('decodes an attachment of exactly 1 MiB', () => {
    const bytes = Buffer.alloc(MAX_ATTACHMENT_BYTES, 1);
    const parsed = parseOrder(
      JSON.stringify({
        ...order,
        attachment: { filename: 'a.pdf', contentType: 'application/pdf', base64: bytes.toString('base64') },
      }),
    );
    expect(parsed.attachment?.equals(bytes)).toBe(true);
  });

  it('refuses an attachment of 1 MiB + 1 byte as too large', () => {
    const base64 = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1).toString('base64');
    expect(() =>
      parseOrder(
        JSON.stringify({
          ...order,
          attachment: { filename: 'a.pdf', contentType: 'application/pdf', base64 },
        }),
      ),
    ).toThrow(AttachmentTooLargeError);
  });

  it('refuses base64 whose length is not a multiple of 4', () => {
    const errors = validationErrorsOf({
      ...order,
      attachment: { filename: 'a.pdf', contentType: 'application/pdf', base64: 'abc' },
    });
    expect(errors).toEqual([
      { pointer: '#/attachment/base64', detail: expect.stringMatching(/multiple of 4/) },
    ]);
  });
});

describe('recordOrder', () => {
  it('prices lines and the order in integer cents', () => {
    const recorded = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));
    expect(recorded.lines.map((line) => line.lineTotalCents)).toEqual([5997, 0]);
    expect(recorded.totalCents).toBe(5997);
    expect(recorded.recordedAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('keeps an exact total at the largest order the schema allows', () => {
    const lines = Array.from({ length: 100 }, (_, index) => ({
      sku: `s${index}`,
      quantity: 10_000,
      unitPriceCents: 1_000_000_000,
    }));
    const recorded = recordOrder({ order: { ...order, lines } }, new Date());
    expect(recorded.totalCents).toBe(1e15);
    expect(Number.isSafeInteger(recorded.totalCents)).toBe(true);
  });

  it('summarises the attachment by size and SHA-256', () => {
    const attachment = Buffer.from('hello');
    const recorded = recordOrder(
      {
        order: {
          ...order,
          attachment: { filename: 'a.txt', contentType: 'text/plain', base64: attachment.toString('base64') },
        },
        attachment,
      },
      new Date(),
    );
    expect(recorded.attachment).toEqual({
      filename: 'a.txt',
      contentType: 'text/plain',
      sizeBytes: 5,
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    });
  });
});

describe('fingerprints and replays', () => {
  it('gives the same fingerprint to the same order whatever its key order', () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(order).reverse())));
    expect(fingerprintOf(parseOrder(JSON.stringify(reordered)).order)).toBe(fingerprintOf(order));
  });

  it('gives another fingerprint when any line changes', () => {
    const changed = {
      ...order,
      lines: [{ ...order.lines[0], quantity: 4 }, order.lines[1]],
    } as PurchaseOrder;
    expect(fingerprintOf(changed)).not.toBe(fingerprintOf(order));
  });

  it('replays the stored record for the same order and refuses another order under the same id', () => {
    const first = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));
    const retry = recordOrder({ order }, new Date('2026-11-22T10:05:00Z'));
    expect(replayOrConflict(first, retry)).toBe(first);
    const other = recordOrder({ order: { ...order, currency: 'USD' } }, new Date());
    expect(() => replayOrConflict(first, other)).toThrow(OrderConflictError);
  });

  it('shows clients the record without its fingerprint', () => {
    const visible = toPublicOrder(recordOrder({ order }, new Date()));
    expect(visible).not.toHaveProperty('fingerprint');
    expect(Object.keys(visible)).toEqual([
      'orderId',
      'customerId',
      'currency',
      'placedAt',
      'lines',
      'totalCents',
      'recordedAt',
    ]);
  });
});

describe('orderJsonSchema (API Gateway request validation)', () => {
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(orderJsonSchema);

  it('is JSON Schema draft 4 that refuses unknown fields', () => {
    expect(orderJsonSchema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(orderJsonSchema).toMatchObject({
      additionalProperties: false,
      required: ['orderId', 'customerId', 'currency', 'lines', 'placedAt'],
    });
  });

  it.each([
    ['a valid order', order, true],
    ['an unknown field', { ...order, extra: 1 }, false],
    ['a bad currency', { ...order, currency: 'XXX' }, false],
    ['a zero quantity', { ...order, lines: [{ sku: 'a', quantity: 0, unitPriceCents: 1 }] }, false],
    ['a date without offset', { ...order, placedAt: '2026-11-22T10:15:00' }, false],
    [
      'a bad file name',
      { ...order, attachment: { filename: 'a/b', contentType: 'text/plain', base64: '' } },
      false,
    ],
  ])('agrees with the code on %s', (_case, document, valid) => {
    expect(validate(document)).toBe(valid);
    expect(purchaseOrderAccepts(document)).toBe(valid);
  });
});

function purchaseOrderAccepts(document: unknown): boolean {
  try {
    parseOrder(JSON.stringify(document));
    return true;
  } catch {
    return false;
  }
}
