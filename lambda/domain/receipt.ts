import { PDFDocument, type PDFFont, StandardFonts } from '@cantoo/pdf-lib';
import type { RecordedOrder } from './order.ts';

/** An amount in minor units as the currency writes it: `EUR 104.48`, `JPY 1,200`, `BHD 1.250`. */
export function formatMoney(cents: number, currency: string): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const amount = new Intl.NumberFormat('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(cents / 10 ** digits);
  return `${currency} ${amount}`;
}

/** The lines of text a receipt shows, top to bottom. */
export function receiptText(order: RecordedOrder): string[] {
  return [
    `Receipt for order ${order.orderId}`,
    `Customer ${order.customerId}, placed ${order.placedAt}, recorded ${order.recordedAt}`,
    '',
    ...order.lines.map(
      (line) =>
        `${line.sku}  ${line.quantity} x ${formatMoney(line.unitPriceCents, order.currency)} = ${formatMoney(line.lineTotalCents, order.currency)}`,
    ),
    '',
    `Total ${formatMoney(order.totalCents, order.currency)}`,
  ];
}

// A4 in points, and the layout of the text on it.
const PAGE = { width: 595.28, height: 841.89, margin: 56, lineHeight: 16, fontSize: 11 } as const;

/** Renders the receipt as a PDF (standard Helvetica; the schema keeps every field ASCII). */
export async function renderReceipt(order: RecordedOrder): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  document.setTitle(`Receipt ${order.orderId}`);
  // Dates from the order, not the clock: rendering the same order twice gives the same bytes.
  document.setCreationDate(new Date(order.recordedAt));
  document.setModificationDate(new Date(order.recordedAt));
  const font: PDFFont = await document.embedFont(StandardFonts.Helvetica);
  let page = document.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;
  for (const line of receiptText(order)) {
    if (y < PAGE.margin) {
      page = document.addPage([PAGE.width, PAGE.height]);
      y = PAGE.height - PAGE.margin;
    }
    page.drawText(line, { x: PAGE.margin, y, size: PAGE.fontSize, font });
    y -= PAGE.lineHeight;
  }
  // Uncompressed object streams keep the text searchable by simple tools, tests included.
  return document.save({ useObjectStreams: false });
}
