import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '@serverless-data-sharing/local-cloud';
import { fold, type OrderEvent, type OrderState } from '../lambda/domain/cqrs-order.ts';
import type { EventLog, EventLogScan, RebuildableReadModels } from '../lambda/domain/cqrs-stores.ts';
import { DynamoDbEventLog } from '../lambda/shared/dynamodb-cqrs-event-log.ts';
import { DynamoDbReadModels, type ReadModelTables } from '../lambda/shared/dynamodb-cqrs-read-models.ts';

/** Writes in flight at once: enough to keep DynamoDB busy, few enough not to throttle a small table. */
const CONCURRENT_WRITES = 16;

/** What a rebuild did. */
export interface RebuildCounts {
  /** Events read from the log. */
  readonly events: number;
  /** Orders folded from them. */
  readonly orders: number;
  /** Views and customer rows written (replaced or created) from the log. */
  readonly viewsWritten: number;
  readonly customerOrdersWritten: number;
  /** Models left alone because the live projector had already written a later version. */
  readonly newerKept: number;
  /** Views and customer rows no order in the log produces, deleted. */
  readonly viewsDeleted: number;
  readonly customerOrdersDeleted: number;
}

/**
 * Rebuilds the read models from the event log: folds every order's events, writes each view and customer row
 * unless it already holds a later version (the same version is rewritten, which repairs a damaged model), and
 * deletes the models no order produces. Safe beside the live projector: neither ever moves a model backwards,
 * and a model is deleted only after the log, read again, still has no order for it.
 */
export async function rebuildReadModels(
  log: EventLogScan & Pick<EventLog, 'history'>,
  readModels: RebuildableReadModels,
): Promise<RebuildCounts> {
  const byOrder = new Map<string, OrderEvent[]>();
  let events = 0;
  for await (const event of log.allEvents()) {
    events++;
    const orderEvents = byOrder.get(event.orderId);
    if (orderEvents) {
      orderEvents.push(event);
    } else {
      byOrder.set(event.orderId, [event]);
    }
  }
  const states = new Map<string, OrderState>();
  for (const [orderId, orderEvents] of byOrder) {
    const state = fold(orderEvents.sort((a, b) => a.version - b.version));
    if (state) {
      states.set(orderId, state);
    }
  }

  let viewsWritten = 0;
  let customerOrdersWritten = 0;
  let newerKept = 0;
  const restore = async (state: OrderState) => {
    const written = await readModels.restore(state);
    viewsWritten += written.view === 'written' ? 1 : 0;
    customerOrdersWritten += written.customerOrder === 'written' ? 1 : 0;
    newerKept += (written.view === 'newer' ? 1 : 0) + (written.customerOrder === 'newer' ? 1 : 0);
  };
  await inParallel(states.values(), restore);

  // Models of orders the scan did not see: placed since (the projector wrote them: keep, and check against the
  // log) or produced by nothing in the log (delete, unless the projector moved them on meanwhile).
  const unknownOrder = async (orderId: string): Promise<OrderState | undefined> =>
    states.get(orderId) ?? fold(await log.history(orderId));
  let viewsDeleted = 0;
  let customerOrdersDeleted = 0;
  await inParallel(readModels.allViews(), async (view) => {
    if (states.has(view.orderId)) {
      return;
    }
    const state = await unknownOrder(view.orderId);
    if (state) {
      await restore(state);
    } else if ((await readModels.deleteView(view.orderId, view.version)) === 'deleted') {
      viewsDeleted++;
    }
  });
  await inParallel(readModels.allCustomerOrders(), async (row) => {
    if (states.get(row.orderId)?.customerId === row.customerId) {
      return;
    }
    const state = await unknownOrder(row.orderId);
    if (state?.customerId === row.customerId) {
      await restore(state);
    } else if (
      (await readModels.deleteCustomerOrder(row.customerId, row.orderId, row.version)) === 'deleted'
    ) {
      customerOrdersDeleted++;
    }
  });
  return {
    events,
    orders: states.size,
    viewsWritten,
    customerOrdersWritten,
    newerKept,
    viewsDeleted,
    customerOrdersDeleted,
  };
}

/** {@link rebuildReadModels} on the DynamoDB tables of a deployed stack. */
export function rebuildReadModelTables(
  client: DynamoDBClient,
  tables: { readonly eventLog: string } & ReadModelTables,
): Promise<RebuildCounts> {
  return rebuildReadModels(
    new DynamoDbEventLog(tables.eventLog, client),
    new DynamoDbReadModels(tables, client),
  );
}

/** Runs `work` on every item, at most {@link CONCURRENT_WRITES} at once; the first failure fails the whole. */
async function inParallel<T>(
  items: Iterable<T> | AsyncIterable<T>,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for await (const item of items) {
    const task = work(item).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= CONCURRENT_WRITES) {
      await Promise.race(running);
    }
  }
  await Promise.all(running);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      outputs: { type: 'string', default: '.local-cloud/outputs.json' },
      stack: { type: 'string', default: 'DataSharingStack' },
    },
  });
  const outputs = JSON.parse(await readFile(values.outputs, 'utf8'))[values.stack] as
    | Record<string, string>
    | undefined;
  const tables = {
    eventLog: outputs?.CqrsEventLogTableName,
    orderViews: outputs?.CqrsOrderViewsTableName,
    customerOrders: outputs?.CqrsCustomerOrdersTableName,
  };
  if (!tables.eventLog || !tables.orderViews || !tables.customerOrders) {
    throw new Error(
      `${values.outputs} has no ${values.stack}.CqrsEventLogTableName / CqrsOrderViewsTableName / CqrsCustomerOrdersTableName`,
    );
  }
  // An API on 127.0.0.1 is the local cloud's: its DynamoDB endpoint is in endpoints.json beside the outputs.
  const local = outputs?.ApiUrl !== undefined && new URL(outputs.ApiUrl).hostname === '127.0.0.1';
  const client = new DynamoDBClient(local ? await localClientConfig(values.outputs) : {});
  const started = Date.now();
  const counts = await rebuildReadModelTables(client, {
    eventLog: tables.eventLog,
    orderViews: tables.orderViews,
    customerOrders: tables.customerOrders,
  });
  console.log(
    [
      `Rebuilt the CQRS read models from ${counts.events} event(s) of ${counts.orders} order(s) in ${Date.now() - started} ms:`,
      `  ${counts.viewsWritten} order view(s) and ${counts.customerOrdersWritten} customer order row(s) written`,
      `  ${counts.newerKept} left as they were (the projector had written a later version)`,
      `  ${counts.viewsDeleted} order view(s) and ${counts.customerOrdersDeleted} customer order row(s) deleted (no order in the log)`,
    ].join('\n'),
  );
  client.destroy();
}

async function localClientConfig(outputsFile: string) {
  const endpointsFile = path.join(path.dirname(outputsFile), 'endpoints.json');
  const endpoints = JSON.parse(
    await readFile(endpointsFile, 'utf8').catch(() => {
      throw new Error(
        `${outputsFile} names the local cloud, but ${endpointsFile} cannot be read: is it running?`,
      );
    }),
  ) as Record<string, string>;
  const endpoint = endpoints.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint) {
    throw new Error(`${endpointsFile} has no AWS_ENDPOINT_URL_DYNAMODB: is the local cloud running?`);
  }
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
