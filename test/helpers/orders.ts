/** A valid purchase order as a client sends it: two lines, 104.48 EUR in all. */
export function purchaseOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: 'order-1001',
    customerId: 'customer-42',
    currency: 'EUR',
    placedAt: '2026-11-22T10:15:00Z',
    lines: [
      { sku: 'book-ddia', quantity: 2, unitPriceCents: 4599 },
      { sku: 'mug-lambda', quantity: 1, unitPriceCents: 1250 },
    ],
    ...overrides,
  };
}

/** A valid shipping address, for orders that need shipping. */
export const shippingAddress = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
} as const;
