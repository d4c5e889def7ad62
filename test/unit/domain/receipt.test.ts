import { describe, expect, it } from 'vitest';
import { recordOrder } from '../../../lambda/domain/order.ts';
import { formatMoney, receiptText, renderReceipt } from '../../../lambda/domain/receipt.ts';
import { pdfText } from '../../helpers/pdf.ts';

const order = recordOrder(
  {
    order: {
      orderId: 'order-9',
      customerId: 'customer-1',
      currency: 'EUR',
      placedAt: '2026-11-22T10:15:00Z',
      lines: [
        { sku: 'book', quantity: 2, unitPriceCents: 4599 },
        { sku: 'mug', quantity: 1, unitPriceCents: 1250 },
      ],
    },
  },
  new Date('2026-11-22T11:00:00Z'),
);

describe('formatMoney', () => {
  it('writes minor units with the currency’s own number of decimals', () => {
    expect(formatMoney(10448, 'EUR')).toBe('EUR 104.48');
    expect(formatMoney(1200, 'JPY')).toBe('JPY 1,200');
    expect(formatMoney(1250, 'BHD')).toBe('BHD 1.250');
  });
});

describe('renderReceipt', () => {
  it('renders a PDF that shows every line and the total', async () => {
    const pdf = renderReceipt(order);
    expect(Buffer.from(pdf.subarray(0, 5)).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    expect(text).toEqual(receiptText(order));
    expect(text).toContain('Total EUR 104.48');
    expect(text).toContain('book  2 x EUR 45.99 = EUR 91.98');
  });

  it('renders the same bytes for the same order, so a duplicate delivery rewrites an identical receipt', async () => {
    expect(Buffer.from(renderReceipt(order)).equals(Buffer.from(renderReceipt(order)))).toBe(true);
  });

  it('continues on a new page when the lines do not fit one', async () => {
    const long = {
      ...order,
      lines: Array.from({ length: 100 }, (_, i) => ({
        sku: `sku-${i}`,
        quantity: 1,
        unitPriceCents: 1,
        lineTotalCents: 1,
      })),
    };
    const text = await pdfText(renderReceipt(long));
    expect(text).toHaveLength(receiptText(long).length);
  });
});
