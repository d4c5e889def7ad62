import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  type CustomerOrder,
  decide,
  evolve,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  type OrderView,
  toCustomerOrder,
} from '../../../lambda/domain/cqrs-order.ts';
import type {
  EventLog,
  EventLogScan,
  ModelWrite,
  RebuildableReadModels,
} from '../../../lambda/domain/cqrs-stores.ts';

/** An in-memory event log with the table's semantics: one event per (orderId, version), reads in version order. */
export class FakeEventLog implements EventLog, EventLogScan {
  readonly events = new Map<string, OrderEvent>();
  readonly historyCalls: Array<{ orderId: string; upToVersion?: number }> = [];
  /** Runs between a command's read and its append, to let a test slip a competing write in. */
  beforeAppend: () => Promise<void> = async () => {};

  async history(orderId: string, upToVersion?: number): Promise<OrderEvent[]> {
    this.historyCalls.push({ orderId, ...(upToVersion === undefined ? {} : { upToVersion }) });
    return [...this.events.values()]
      .filter((e) => e.orderId === orderId && (upToVersion === undefined || e.version <= upToVersion))
      .sort((a, b) => a.version - b.version);
  }

  async append(event: OrderEvent): Promise<'appended' | 'conflict'> {
    await this.beforeAppend();
    const key = `${event.orderId}#${event.version}`;
    if (this.events.has(key)) {
      return 'conflict';
    }
    this.events.set(key, event);
    return 'appended';
  }

  async *allEvents(): AsyncIterable<OrderEvent> {
    yield* this.events.values();
  }

  /** The order's state as its events fold to; fails the test when the order has none. */
  async state(orderId: string): Promise<OrderState> {
    const state = (await this.history(orderId)).reduce<OrderState | undefined>(evolve, undefined);
    if (!state) {
      throw new Error(`No events for ${orderId}`);
    }
    return state;
  }

  /** Decides and appends a command as the command side does, and returns the event. */
  async run(command: OrderCommand): Promise<OrderEvent> {
    const history = await this.history(command.orderId);
    const event = decide(history.reduce<OrderState | undefined>(evolve, undefined), command);
    await this.append(event);
    return event;
  }
}

/** In-memory read models with the tables' conditional writes: nothing moves a model backwards. */
export class FakeReadModels implements RebuildableReadModels {
  readonly views = new Map<string, OrderView>();
  /** Rows by `customerId#orderId`. */
  readonly rows = new Map<string, CustomerOrder>();
  readonly advanced: number[] = [];
  /** Delay before each view read, per order id, to let a test make one order's projection slow. */
  readDelayMs: (orderId: string) => number = () => 0;

  async findView(orderId: string): Promise<OrderView | undefined> {
    const delay = this.readDelayMs(orderId);
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return this.views.get(orderId);
  }

  async customerOrders(customerId: string): Promise<CustomerOrder[]> {
    return [...this.rows.values()].filter((row) => row.customerId === customerId);
  }

  async advance(state: OrderState): Promise<ModelWrite> {
    const viewOlder = (this.views.get(state.orderId)?.version ?? 0) < state.version;
    const rowOlder = (this.rows.get(rowKey(state))?.version ?? 0) < state.version;
    if (viewOlder) this.views.set(state.orderId, { ...state });
    if (rowOlder) this.rows.set(rowKey(state), toCustomerOrder(state));
    this.advanced.push(state.version);
    return viewOlder || rowOlder ? 'written' : 'newer';
  }

  async restore(state: OrderState): Promise<{ view: ModelWrite; customerOrder: ModelWrite }> {
    const viewOk = (this.views.get(state.orderId)?.version ?? 0) <= state.version;
    const rowOk = (this.rows.get(rowKey(state))?.version ?? 0) <= state.version;
    if (viewOk) this.views.set(state.orderId, { ...state });
    if (rowOk) this.rows.set(rowKey(state), toCustomerOrder(state));
    return { view: viewOk ? 'written' : 'newer', customerOrder: rowOk ? 'written' : 'newer' };
  }

  async *allViews(): AsyncIterable<{ orderId: string; version: number }> {
    yield* [...this.views.values()];
  }

  async *allCustomerOrders(): AsyncIterable<{ customerId: string; orderId: string; version: number }> {
    yield* [...this.rows.values()];
  }

  async deleteView(orderId: string, version: number): Promise<'deleted' | 'kept'> {
    if ((this.views.get(orderId)?.version ?? 0) > version) return 'kept';
    this.views.delete(orderId);
    return 'deleted';
  }

  async deleteCustomerOrder(
    customerId: string,
    orderId: string,
    version: number,
  ): Promise<'deleted' | 'kept'> {
    const key = `${customerId}#${orderId}`;
    if ((this.rows.get(key)?.version ?? 0) > version) return 'kept';
    this.rows.delete(key);
    return 'deleted';
  }
}

function rowKey(order: { customerId: string; orderId: string }): string {
  return `${order.customerId}#${order.orderId}`;
}

/**
 * The event log's DynamoDB stream as Lambda delivers it (NEW_IMAGE: keys and the new item, in DynamoDB JSON),
 * one INSERT per event, sequence numbers in the given order.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 */
export function logStreamEvent(
  items: ReadonlyArray<
    OrderEvent | { readonly remove: { orderId: string; version: number } } | Record<string, unknown>
  >,
): DynamoDBStreamEvent {
  return {
    Records: items.map((item, index): DynamoDBRecord => {
      const removed = 'remove' in item ? (item.remove as { orderId: string; version: number }) : undefined;
      const image = removed ?? (item as Record<string, unknown>);
      return {
        eventID: `c81e728d9d4c2f636f067f89cc14862${index}`,
        eventName: removed ? 'REMOVE' : 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        eventSourceARN:
          'arn:aws:dynamodb:eu-west-1:123456789012:table/CqrsEventLog/stream/2026-11-22T00:00:00.000',
        dynamodb: {
          ApproximateCreationDateTime: 1_795_342_500 + index,
          Keys: marshall({ orderId: image.orderId, version: image.version }) as Record<
            string,
            AttributeValue
          >,
          ...(removed
            ? {}
            : {
                NewImage: marshall(image, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
              }),
          SequenceNumber: String(100_000_000_000_000_000_000n + BigInt(index)),
          SizeBytes: 200,
          StreamViewType: 'NEW_IMAGE',
        },
      };
    }),
  };
}
