import type { RecordedOrder } from './order.ts';
import { type TextPageLayout, writeTextPdf } from './text-pdf.ts';

/** The receipt's media type. */
export const RECEIPT_CONTENT_TYPE = 'application/pdf';

/** The name a receipt downloads under. */
export function receiptFilename(orderId: string): string {
  return `receipt-${orderId}.pdf`;
}

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
const PAGE: TextPageLayout = { width: 595.28, height: 841.89, margin: 56, lineHeight: 16, fontSize: 11 };

/** Renders the receipt as a PDF in standard Helvetica (the schema keeps every field ASCII), one line per text line. */
export function renderReceipt(order: RecordedOrder): Uint8Array {
  // Dates from the order, not the clock: rendering the same order twice gives the same bytes.
  return writeTextPdf(receiptText(order), PAGE, {
    title: `Receipt ${order.orderId}`,
    date: new Date(order.recordedAt),
  });
}
