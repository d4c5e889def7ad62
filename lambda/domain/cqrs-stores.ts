import type { CustomerOrder, OrderEvent, OrderState, OrderView } from './cqrs-order.ts';

/** The write model: each order's events, append-only (the port; a DynamoDB table is one adapter). */
export interface EventLog {
  /** The order's events in version order, up to `upToVersion` when given; read strongly consistent. */
  history(orderId: string, upToVersion?: number): Promise<OrderEvent[]>;
  /** Appends an event unless its version is already taken: `conflict` when another command appended it first. */
  append(event: OrderEvent): Promise<'appended' | 'conflict'>;
}

/** Every event of the log, in no particular order (the rebuild reads them all). */
export interface EventLogScan {
  allEvents(): AsyncIterable<OrderEvent>;
}

/** What a conditional write of a read model came to. */
export type ModelWrite = 'written' | 'newer';

/** The read models: one view per order, one row per order in its customer's summary. */
export interface ReadModels {
  /** The order's view, read strongly consistent, or `undefined`. */
  findView(orderId: string): Promise<OrderView | undefined>;
  /** The rows of a customer's orders, read strongly consistent. */
  customerOrders(customerId: string): Promise<CustomerOrder[]>;
  /**
   * Writes the order's view and customer row for `state`, each only where the stored version is older:
   * `newer` when both already hold `state.version` or later, so nothing moves backwards.
   */
  advance(state: OrderState): Promise<ModelWrite>;
}

/** What the rebuild needs beyond the projector's reads and writes. */
export interface RebuildableReadModels extends ReadModels {
  /** Writes the view and the customer row unless they hold a newer version; the same version is rewritten. */
  restore(state: OrderState): Promise<{ readonly view: ModelWrite; readonly customerOrder: ModelWrite }>;
  allViews(): AsyncIterable<{ readonly orderId: string; readonly version: number }>;
  allCustomerOrders(): AsyncIterable<{
    readonly customerId: string;
    readonly orderId: string;
    readonly version: number;
  }>;
  /** Deletes a view unless it moved past `version` since it was read: `kept` then. */
  deleteView(orderId: string, version: number): Promise<'deleted' | 'kept'>;
  /** Deletes a customer row unless it moved past `version` since it was read: `kept` then. */
  deleteCustomerOrder(customerId: string, orderId: string, version: number): Promise<'deleted' | 'kept'>;
}
