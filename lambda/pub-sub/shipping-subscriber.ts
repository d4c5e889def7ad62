import { shippingFields, takeFields } from '../domain/order-event.ts';
import { subscriberHandler } from './subscriber.ts';

/** Shipping subscribes to orders that need shipping (a filter on message attributes) and prepares a shipment. */
export const handler = subscriberHandler('shipping', (order) =>
  takeFields(shippingFields, order, 'shipping'),
);
