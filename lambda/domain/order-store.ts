import type { RecordedOrder } from './order.ts';

/** Where recorded orders are kept (the port; DynamoDB is one adapter). */
export interface OrderStore {
  /**
   * Records an order and its attachment atomically, only if no order with its id exists:
   * `created` when this call recorded it, `exists` when an order with that id was already there.
   */
  save(order: RecordedOrder, attachment?: Buffer): Promise<'created' | 'exists'>;
  /** The recorded order with that id, read consistently after any completed `save`. */
  find(orderId: string): Promise<RecordedOrder | undefined>;
}
