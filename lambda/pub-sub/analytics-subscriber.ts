import { analyticsFields, takeFields } from '../domain/order-event.ts';
import { subscriberHandler } from './subscriber.ts';

/** Analytics subscribes to `OrderPlaced` events (a filter on the message body) and counts orders by size. */
export const handler = subscriberHandler('analytics', (order) =>
  takeFields(analyticsFields, order, 'analytics'),
);
