import { accountingFields, takeFields } from '../domain/order-event.ts';
import { subscriberHandler } from './subscriber.ts';

/** Accounting subscribes to every order event and books a receivable: customer, currency, total. */
export const handler = subscriberHandler('accounting', (order) =>
  takeFields(accountingFields, order, 'accounting'),
);
