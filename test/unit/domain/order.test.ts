import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AttachmentTooLargeError,
  type FieldError,
  OrderConflictError,
  ValidationError,
} from '../../../lambda/domain/errors.ts';
import {
  decideOnExisting,
  fingerprintOf,
  lineTotalCents,
  MAX_ATTACHMENT_BYTES,
  type PurchaseOrder,
  parseOrder,
  recordOrder,
  requireOrderId,
  toPublicOrder,
  totalCents,
} from '../../../lambda/domain/order.ts';

const order: PurchaseOrder = {
  orderId: 'order-1',
  customerId: 'customer-1',
  currency: 'EUR',
  lines: [
    { sku: 'book', quantity: 3, unitPriceCents: 1999 },
    { sku: 'pen.blue', quantity: 10, unitPriceCents: 0 },
  ],
  placedAt: '2026-11-22T10:15:00+01:00',
};

const line = { sku: 'book', quantity: 1, unitPriceCents: 100 };

function attachmentOf(bytes: Buffer, filename = 'terms.pdf') {
  return { filename, contentType: 'application/pdf', base64: bytes.toString('base64') };
}

/** The field errors `parseOrder` throws for a body; fails the test when it accepts it. */
function fieldErrorsFor(body: unknown): FieldError[] {
  try {
    parseOrder(typeof body === 'string' || body === null ? body : JSON.stringify(body));
  } catch (error) {
    if (error instanceof ValidationError) {
      return [...error.errors];
    }
    throw error;
  }
  throw new Error('expected a ValidationError, but the order was accepted');
}

function pointersFor(body: unknown): string[] {
  return fieldErrorsFor(body).map((error) => error.pointer);
}

describe('parseOrder', () => {
  it('returns the order exactly as sent when it is valid', () => {
    expect(parseOrder(JSON.stringify(order))).toEqual({ order });
  });

  it.each([
    ['there is no body', null],
    ['the body is empty', ''],
    ['the body is only white space', ' \n '],
    ['the body is not JSON', '{"orderId":'],
  ])('refuses the whole document when %s', (_case, body) => {
    expect(pointersFor(body)).toEqual(['#']);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"order"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('refuses a JSON document that is %s, not an object', (_case, body) => {
    expect(pointersFor(body)).toEqual(['#']);
  });

  it('names every bad field with a JSON Pointer and says what is wrong', () => {
    const errors = fieldErrorsFor({
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
    expect(errors.find((error) => error.pointer === '#/couponCode')?.detail).toBe('Unknown field.');
    expect(errors.every((error) => error.detail.length > 0)).toBe(true);
  });

  it.each([
    ['orderId', 'orderId'],
    ['customerId', 'customerId'],
    ['currency', 'currency'],
    ['lines', 'lines'],
    ['placedAt', 'placedAt'],
  ])('requires %s', (_case, field) => {
    const { [field as keyof PurchaseOrder]: _left, ...rest } = order;
    expect(pointersFor(rest)).toEqual([`#/${field}`]);
  });

  describe('ids', () => {
    it.each([
      ['a 1-character orderId', { orderId: 'a' }],
      ['a 64-character orderId', { orderId: 'a'.repeat(64) }],
      ['an orderId of letters, digits, _ and -', { orderId: 'Order_2026-11-22_0001' }],
      ['a 1-character customerId', { customerId: 'c' }],
      ['a 64-character customerId', { customerId: 'c'.repeat(64) }],
    ])('accepts %s', (_case, change) => {
      expect(parseOrder(JSON.stringify({ ...order, ...change })).order).toMatchObject(change);
    });

    it.each([
      ['an empty orderId', { orderId: '' }, '#/orderId'],
      ['an orderId of 65 characters', { orderId: 'a'.repeat(65) }, '#/orderId'],
      ['an orderId with a dot', { orderId: 'order.1' }, '#/orderId'],
      ['an orderId with a slash', { orderId: 'order/1' }, '#/orderId'],
      ['an orderId that is a number', { orderId: 1 }, '#/orderId'],
      ['an empty customerId', { customerId: '' }, '#/customerId'],
      ['a customerId of 65 characters', { customerId: 'c'.repeat(65) }, '#/customerId'],
      ['a customerId with a space', { customerId: 'customer 1' }, '#/customerId'],
    ])('refuses %s', (_case, change, pointer) => {
      expect(pointersFor({ ...order, ...change })).toEqual([pointer]);
    });
  });

  describe('currency', () => {
    it.each(['EUR', 'USD', 'JPY', 'XCG', 'ZWG'])('accepts the active code %s', (currency) => {
      expect(parseOrder(JSON.stringify({ ...order, currency })).order.currency).toBe(currency);
    });

    it.each([
      ['a lower-case code', 'eur'],
      ['a code that was never assigned', 'ABC'],
      ['the "no currency" code', 'XXX'],
      ['a precious metal', 'XAU'],
      ['a fund code', 'USN'],
      ['a withdrawn code (the lev, replaced by the euro in 2026)', 'BGN'],
      ['a withdrawn code (the kuna, replaced by the euro in 2023)', 'HRK'],
    ])('refuses %s', (_case, currency) => {
      expect(pointersFor({ ...order, currency })).toEqual(['#/currency']);
    });
  });

  describe('lines', () => {
    it.each([
      ['one line', [line]],
      ['100 lines', Array.from({ length: 100 }, () => line)],
      ['a quantity of 1', [{ ...line, quantity: 1 }]],
      ['a quantity of 10,000', [{ ...line, quantity: 10_000 }]],
      ['a free item (price 0)', [{ ...line, unitPriceCents: 0 }]],
      ['a unit price of 1,000,000,000 cents', [{ ...line, unitPriceCents: 1_000_000_000 }]],
      ['a 64-character SKU of letters, digits, ., _ and -', [{ ...line, sku: `A.b_c-1${'x'.repeat(57)}` }]],
    ])('accepts %s', (_case, lines) => {
      expect(parseOrder(JSON.stringify({ ...order, lines })).order.lines).toEqual(lines);
    });

    it.each([
      ['no lines', [], '#/lines'],
      ['101 lines', Array.from({ length: 101 }, () => line), '#/lines'],
      ['lines that are not a list', { 0: line }, '#/lines'],
      ['a quantity of 0', [{ ...line, quantity: 0 }], '#/lines/0/quantity'],
      ['a quantity of 10,001', [{ ...line, quantity: 10_001 }], '#/lines/0/quantity'],
      ['a fractional quantity', [{ ...line, quantity: 1.5 }], '#/lines/0/quantity'],
      ['a quantity sent as a string', [{ ...line, quantity: '1' }], '#/lines/0/quantity'],
      ['a negative price', [{ ...line, unitPriceCents: -1 }], '#/lines/0/unitPriceCents'],
      [
        'a price of 1,000,000,001 cents',
        [{ ...line, unitPriceCents: 1_000_000_001 }],
        '#/lines/0/unitPriceCents',
      ],
      ['a fractional price (not in cents)', [{ ...line, unitPriceCents: 12.5 }], '#/lines/0/unitPriceCents'],
      ['an empty SKU', [{ ...line, sku: '' }], '#/lines/0/sku'],
      ['a 65-character SKU', [{ ...line, sku: 's'.repeat(65) }], '#/lines/0/sku'],
      ['a SKU with a space', [{ ...line, sku: 'blue pen' }], '#/lines/0/sku'],
      ['an unknown field on a line', [{ ...line, discount: 5 }], '#/lines/0/discount'],
      ['a line without its price', [{ sku: 'book', quantity: 1 }], '#/lines/0/unitPriceCents'],
    ])('refuses %s', (_case, lines, pointer) => {
      expect(pointersFor({ ...order, lines })).toEqual([pointer]);
    });

    it('points at the line that is wrong, not the first one', () => {
      expect(pointersFor({ ...order, lines: [line, line, { ...line, quantity: 0 }] })).toEqual([
        '#/lines/2/quantity',
      ]);
    });
  });

  describe('placedAt', () => {
    it.each([
      '2026-11-22T10:15:00Z',
      '2026-11-22T10:15:00.123Z',
      '2026-11-22T10:15:00+05:30',
      '2026-11-22T10:15:00-08:00',
      '2028-02-29T00:00:00Z',
    ])('accepts the date-time with offset %s', (placedAt) => {
      expect(parseOrder(JSON.stringify({ ...order, placedAt })).order.placedAt).toBe(placedAt);
    });

    it.each([
      ['a date-time without offset', '2026-11-22T10:15:00'],
      ['a date alone', '2026-11-22'],
      ['a day that does not exist', '2026-02-30T10:15:00Z'],
      ['29 February in a common year', '2026-02-29T10:15:00Z'],
      ['an hour of 24', '2026-11-22T24:00:00Z'],
      ['a local date format', '22/11/2026 10:15'],
      ['a Unix time', 1_795_342_500],
    ])('refuses %s', (_case, placedAt) => {
      expect(pointersFor({ ...order, placedAt })).toEqual(['#/placedAt']);
    });
  });

  describe('attachment', () => {
    it('decodes the attachment once and returns its bytes beside the order', () => {
      const bytes = Buffer.from('%PDF-1.7 terms and conditions');
      const parsed = parseOrder(JSON.stringify({ ...order, attachment: attachmentOf(bytes) }));
      expect(parsed.attachment?.equals(bytes)).toBe(true);
      expect(parsed.order.attachment).toEqual(attachmentOf(bytes));
    });

    it('accepts an attachment of exactly 1 MiB', () => {
      const bytes = Buffer.alloc(MAX_ATTACHMENT_BYTES, 7);
      const parsed = parseOrder(JSON.stringify({ ...order, attachment: attachmentOf(bytes) }));
      expect(parsed.attachment?.length).toBe(1_048_576);
      expect(parsed.attachment?.equals(bytes)).toBe(true);
    });

    it('refuses an attachment of 1 MiB + 1 byte as too large, saying both sizes', () => {
      const body = JSON.stringify({
        ...order,
        attachment: attachmentOf(Buffer.alloc(MAX_ATTACHMENT_BYTES + 1)),
      });
      let thrown: unknown;
      try {
        parseOrder(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AttachmentTooLargeError);
      expect(thrown).toMatchObject({ sizeBytes: 1_048_577, maxBytes: 1_048_576 });
      expect((thrown as Error).message).toMatch(/1048577 bytes.*1048576 bytes/);
    });

    it('takes a larger bound from the pattern that carries the order', () => {
      const bytes = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1);
      const parsed = parseOrder(JSON.stringify({ ...order, attachment: attachmentOf(bytes) }), {
        maxAttachmentBytes: 2 * MAX_ATTACHMENT_BYTES,
      });
      expect(parsed.attachment?.length).toBe(MAX_ATTACHMENT_BYTES + 1);
    });

    it.each([
      ['no padding', 'abcd', 3],
      ['one padding character', 'abc=', 2],
      ['two padding characters', 'ab==', 1],
      ['nothing (an empty file)', '', 0],
    ])('accepts standard base64 with %s', (_case, base64, sizeBytes) => {
      const parsed = parseOrder(
        JSON.stringify({
          ...order,
          attachment: { filename: 'a.bin', contentType: 'application/octet-stream', base64 },
        }),
      );
      expect(parsed.attachment?.length).toBe(sizeBytes);
    });

    it.each([
      ['a length that is not a multiple of 4', 'abc'],
      ['URL-safe characters', 'ab-_'],
      ['padding in the middle', 'ab==abcd'],
      ['three padding characters', 'a==='],
      ['line breaks', 'abcd\nabcd'],
    ])('refuses base64 with %s', (_case, base64) => {
      expect(
        pointersFor({ ...order, attachment: { filename: 'a.bin', contentType: 'application/pdf', base64 } }),
      ).toEqual(['#/attachment/base64']);
    });

    it.each([
      ['a path', '../etc/passwd'],
      ['a Windows path', 'C:\\temp\\a.pdf'],
      ['a control character', 'a\u0007.pdf'],
      ['a line break', 'a\n.pdf'],
      ['an empty name', ''],
      ['"."', '.'],
      ['".."', '..'],
      ['256 characters', `${'a'.repeat(252)}.pdf`],
      // 255 code points pass the pattern, but 1,020 bytes of name make an S3 key over its 1,024 bytes.
      ['255 characters outside the BMP (1,020 bytes)', '📄'.repeat(255)],
      ['256 bytes of UTF-8', `${'é'.repeat(126)}.pdf`],
    ])('refuses a file name that is %s', (_case, filename) => {
      expect(pointersFor({ ...order, attachment: { ...attachmentOf(Buffer.from('x')), filename } })).toEqual([
        '#/attachment/filename',
      ]);
    });

    it.each([
      ['spaces and accents', 'conditions générales.pdf'],
      ['255 characters', `${'a'.repeat(251)}.pdf`],
      ['255 bytes of UTF-8', `${'é'.repeat(125)}a.pdf`],
      ['63 characters outside the BMP (252 bytes)', '📄'.repeat(63)],
    ])('accepts a file name with %s', (_case, filename) => {
      const attachment = { ...attachmentOf(Buffer.from('x')), filename };
      expect(parseOrder(JSON.stringify({ ...order, attachment })).order.attachment?.filename).toBe(filename);
    });

    it.each([
      'application/pdf',
      'image/png',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ])('accepts the media type %s', (contentType) => {
      const attachment = { ...attachmentOf(Buffer.from('x')), contentType };
      expect(parseOrder(JSON.stringify({ ...order, attachment })).order.attachment?.contentType).toBe(
        contentType,
      );
    });

    it.each(['pdf', 'application/', '/pdf', 'application/pdf; charset=utf-8', 'text /plain'])(
      'refuses the media type %j',
      (contentType) => {
        expect(
          pointersFor({ ...order, attachment: { ...attachmentOf(Buffer.from('x')), contentType } }),
        ).toEqual(['#/attachment/contentType']);
      },
    );

    it('refuses unknown and missing attachment fields', () => {
      const { base64: _base64, ...withoutContent } = attachmentOf(Buffer.from('x'));
      expect(
        pointersFor({ ...order, attachment: { ...withoutContent, url: 'https://example.com/a.pdf' } }).sort(),
      ).toEqual(['#/attachment/base64', '#/attachment/url']);
    });
  });
});

describe('requireOrderId', () => {
  it('returns an id that has the shape of an order id', () => {
    expect(requireOrderId('order-1')).toBe('order-1');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a path', '../order-1'],
    ['65 characters', 'a'.repeat(65)],
  ])('refuses an id that is %s as invalid input, pointing at orderId', (_case, value) => {
    expect(() => requireOrderId(value)).toThrow(ValidationError);
    try {
      requireOrderId(value);
    } catch (error) {
      expect((error as ValidationError).errors.map((fieldError) => fieldError.pointer)).toEqual([
        '#/orderId',
      ]);
    }
  });
});

describe('pricing in integer cents', () => {
  it('prices a line as quantity x unit price', () => {
    expect(lineTotalCents({ quantity: 3, unitPriceCents: 1999 })).toBe(5997);
  });

  it('totals an order as the sum of its lines', () => {
    expect(totalCents([{ lineTotalCents: 5997 }, { lineTotalCents: 0 }, { lineTotalCents: 3 }])).toBe(6000);
  });

  it('refuses to produce a total that a float cannot hold exactly', () => {
    expect(() => lineTotalCents({ quantity: 2 ** 27, unitPriceCents: 2 ** 27 })).toThrow(RangeError);
    expect(() => totalCents([{ lineTotalCents: Number.MAX_SAFE_INTEGER }, { lineTotalCents: 1 }])).toThrow(
      RangeError,
    );
  });

  it('records each line total and the order total', () => {
    const recorded = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));
    expect(recorded.lines).toEqual([
      { sku: 'book', quantity: 3, unitPriceCents: 1999, lineTotalCents: 5997 },
      { sku: 'pen.blue', quantity: 10, unitPriceCents: 0, lineTotalCents: 0 },
    ]);
    expect(recorded.totalCents).toBe(5997);
  });

  it('keeps the total exact for the largest order the schema allows', () => {
    const lines = Array.from({ length: 100 }, (_, index) => ({
      sku: `s${index}`,
      quantity: 10_000,
      unitPriceCents: 1_000_000_000,
    }));
    const recorded = recordOrder({ order: { ...order, lines } }, new Date('2026-11-22T10:00:00Z'));
    expect(recorded.totalCents).toBe(1_000_000_000_000_000);
    expect(Number.isSafeInteger(recorded.totalCents)).toBe(true);
  });
});

describe('recordOrder', () => {
  it('stamps the record with the time it was recorded, in UTC', () => {
    expect(recordOrder({ order }, new Date('2026-11-22T10:00:00+01:00')).recordedAt).toBe(
      '2026-11-22T09:00:00.000Z',
    );
  });

  it('keeps the order as placed', () => {
    const recorded = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));
    expect(recorded).toMatchObject({
      orderId: 'order-1',
      customerId: 'customer-1',
      currency: 'EUR',
      placedAt: '2026-11-22T10:15:00+01:00',
    });
    expect(recorded).not.toHaveProperty('attachment');
  });

  it('summarises the attachment by name, type, size and SHA-256 of its bytes', () => {
    const bytes = Buffer.from('hello');
    const parsed = parseOrder(
      JSON.stringify({ ...order, attachment: { ...attachmentOf(bytes), filename: 'a.txt' } }),
    );
    expect(recordOrder(parsed, new Date('2026-11-22T10:00:00Z')).attachment).toEqual({
      filename: 'a.txt',
      contentType: 'application/pdf',
      sizeBytes: 5,
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    });
  });
});

describe('fingerprints', () => {
  const fingerprintOfBody = (body: string) => recordOrder(parseOrder(body), new Date()).fingerprint;

  it('is the SHA-256 of the parsed order as canonical JSON, in the schema key order', () => {
    const parsed = parseOrder(JSON.stringify(order));
    const canonical = JSON.stringify(parsed.order);
    expect(
      canonical.startsWith('{"orderId":"order-1","customerId":"customer-1","currency":"EUR","lines":'),
    ).toBe(true);
    expect(fingerprintOf(parsed.order)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('is the same for the same order sent with other white space and key order', () => {
    const reordered = {
      placedAt: order.placedAt,
      lines: order.lines.map((orderLine) => ({
        unitPriceCents: orderLine.unitPriceCents,
        sku: orderLine.sku,
        quantity: orderLine.quantity,
      })),
      currency: order.currency,
      customerId: order.customerId,
      orderId: order.orderId,
    };
    expect(fingerprintOfBody(JSON.stringify(reordered, null, 4))).toBe(
      fingerprintOfBody(JSON.stringify(order)),
    );
  });

  it('does not depend on when the order was recorded', () => {
    const first = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));
    const later = recordOrder({ order }, new Date('2026-11-23T10:00:00Z'));
    expect(later.fingerprint).toBe(first.fingerprint);
  });

  it.each<[string, Partial<PurchaseOrder>]>([
    ['the customer', { customerId: 'customer-2' }],
    ['the currency', { currency: 'USD' }],
    ['a quantity', { lines: [{ ...order.lines[0], quantity: 4 } as PurchaseOrder['lines'][number]] }],
    ['the line order', { lines: [...order.lines].reverse() }],
    ['the time placed', { placedAt: '2026-11-22T10:15:01+01:00' }],
    ['the attachment', { attachment: attachmentOf(Buffer.from('a')) }],
  ])('changes when %s changes', (_case, change) => {
    expect(fingerprintOf({ ...order, ...change })).not.toBe(fingerprintOf(order));
  });

  it('changes with the attachment content, not only its name', () => {
    const one = { ...order, attachment: attachmentOf(Buffer.from('version 1')) };
    const two = { ...order, attachment: attachmentOf(Buffer.from('version 2')) };
    expect(fingerprintOf(one)).not.toBe(fingerprintOf(two));
  });
});

describe('decideOnExisting', () => {
  const first = recordOrder({ order }, new Date('2026-11-22T10:00:00Z'));

  it('replays the stored record when the same order comes again', () => {
    const retry = recordOrder({ order }, new Date('2026-11-22T10:05:00Z'));
    expect(decideOnExisting(first, retry.fingerprint)).toEqual(first);
  });

  it('refuses another order under the same id as a conflict naming the id', () => {
    const other = recordOrder({ order: { ...order, currency: 'USD' } }, new Date('2026-11-22T10:05:00Z'));
    expect(() => decideOnExisting(first, other.fingerprint)).toThrow(OrderConflictError);
    expect(() => decideOnExisting(first, other.fingerprint)).toThrow(/order-1/);
  });
});

describe('toPublicOrder', () => {
  it('shows clients the record without its fingerprint, in a fixed key order', () => {
    const parsed = parseOrder(JSON.stringify({ ...order, attachment: attachmentOf(Buffer.from('x')) }));
    const visible = toPublicOrder(recordOrder(parsed, new Date('2026-11-22T10:00:00Z')));
    expect(visible).not.toHaveProperty('fingerprint');
    expect(Object.keys(visible)).toEqual([
      'orderId',
      'customerId',
      'currency',
      'lines',
      'totalCents',
      'placedAt',
      'attachment',
      'recordedAt',
    ]);
  });

  it('drops fields a store adds beside the record', () => {
    const stored = { ...recordOrder({ order }, new Date('2026-11-22T10:00:00Z')), part: 'order' };
    expect(toPublicOrder(stored)).not.toHaveProperty('part');
  });
});
