import { describe, expect, it } from 'vitest';
import { type OrderCommand, toCustomerOrder } from '../../../lambda/domain/cqrs-order.ts';
import { rebuildReadModels } from '../../../scripts/rebuild-cqrs-read-models.ts';
import { FakeEventLog, FakeReadModels } from './fakes.ts';

const at = new Date('2026-11-22T10:00:00Z');
const place = (orderId: string, customerId: string, currency: 'EUR' | 'USD' = 'EUR'): OrderCommand => ({
  type: 'PlaceOrder',
  orderId,
  order: { customerId, currency, lines: [{ sku: 'book', quantity: 3, unitPriceCents: 1_999 }] },
  at,
});
const pay = (orderId: string): OrderCommand => ({ type: 'PayOrder', orderId, paymentReference: 'psp:1', at });
const cancel = (orderId: string): OrderCommand => ({ type: 'CancelOrder', orderId, reason: 'no', at });

/** 30 orders over 3 customers and 2 currencies, a third paid, a third cancelled. */
async function busyLog(): Promise<FakeEventLog> {
  const log = new FakeEventLog();
  for (let i = 0; i < 30; i++) {
    const orderId = `o-${String(i).padStart(2, '0')}`;
    await log.run(place(orderId, `c-${i % 3}`, i % 2 ? 'USD' : 'EUR'));
    if (i % 3 === 1) await log.run(pay(orderId));
    if (i % 3 === 2) await log.run(cancel(orderId));
  }
  return log;
}

/** The models the log folds to: what the live projector keeps, and what a rebuild must produce. */
async function foldedModels(log: FakeEventLog): Promise<FakeReadModels> {
  const models = new FakeReadModels();
  const orderIds = new Set([...log.events.values()].map((event) => event.orderId));
  for (const orderId of orderIds) {
    await models.advance(await log.state(orderId));
  }
  return models;
}

describe('rebuilding the read models from the log', () => {
  it('builds every view and customer row from nothing, equal to what the projector keeps', async () => {
    const log = await busyLog();
    const models = new FakeReadModels();
    const counts = await rebuildReadModels(log, models);
    const expected = await foldedModels(log);
    expect(models.views).toEqual(expected.views);
    expect(models.rows).toEqual(expected.rows);
    expect(counts).toEqual({
      events: 50,
      orders: 30,
      viewsWritten: 30,
      customerOrdersWritten: 30,
      newerKept: 0,
      viewsDeleted: 0,
      customerOrdersDeleted: 0,
    });
  });

  it('repairs damaged models: lost ones, one with a wrong status at its version, strays no order produces', async () => {
    const log = await busyLog();
    const models = await foldedModels(log);
    const expected = await foldedModels(log);
    models.views.delete('o-03');
    models.views.delete('o-04');
    models.rows.delete('c-0#o-06');
    const paid = models.views.get('o-01');
    if (paid) models.views.set('o-01', { ...paid, status: 'CANCELLED' });
    models.views.set('o-gone', { ...(await log.state('o-00')), orderId: 'o-gone', version: 5 });
    // A row under the wrong customer, and one of an order that does not exist.
    models.rows.set('c-2#o-00', {
      ...toCustomerOrder(await log.state('o-00')),
      customerId: 'c-2',
    });
    models.rows.set('c-1#o-gone', { ...toCustomerOrder(await log.state('o-01')), orderId: 'o-gone' });

    const counts = await rebuildReadModels(log, models);
    expect(models.views).toEqual(expected.views);
    expect(models.rows).toEqual(expected.rows);
    expect(counts).toMatchObject({ viewsDeleted: 1, customerOrdersDeleted: 2, newerKept: 0 });
  });

  it('never moves a model backwards: one the projector wrote past the scan is kept', async () => {
    const log = await busyLog();
    const models = await foldedModels(log);
    // The projector has version 2 of o-00 while the rebuild folds what its scan saw (version 1).
    await models.advance({ ...(await log.state('o-00')), status: 'PAID', version: 2 });
    const counts = await rebuildReadModels(log, models);
    expect(models.views.get('o-00')).toMatchObject({ status: 'PAID', version: 2 });
    expect(counts.newerKept).toBe(2);
  });

  it('keeps the models of an order placed after the scan, checking the log before deleting anything', async () => {
    const log = await busyLog();
    const models = await foldedModels(log);
    // An order the scan does not see (placed after it), whose view the projector has already written.
    const late = new FakeEventLog();
    await late.run(place('o-late', 'c-1'));
    await models.advance(await late.state('o-late'));
    const scanned = {
      allEvents: () => log.allEvents(),
      history: async (orderId: string, upTo?: number) =>
        orderId === 'o-late' ? late.history(orderId, upTo) : log.history(orderId, upTo),
    };
    const counts = await rebuildReadModels(scanned, models);
    expect(models.views.get('o-late')).toMatchObject({ status: 'PLACED', version: 1 });
    expect(models.rows.get('c-1#o-late')).toMatchObject({ version: 1 });
    expect(counts).toMatchObject({ orders: 30, viewsDeleted: 0, customerOrdersDeleted: 0 });
  });
});
