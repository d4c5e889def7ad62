import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import {
  MAX_EVENTS_PER_REQUEST,
  parseEventBatch,
  parseStreamedEvent,
  productEventBatchJsonSchema,
  statsIncrement,
  toPublicStats,
} from '../../../lambda/domain/product-event.ts';

const view = { eventId: 'e-1', sku: 'book-ddia', type: 'view', occurredAt: '2026-11-22T10:00:00Z' };
const review = {
  eventId: 'e-2',
  sku: 'book-ddia',
  type: 'review',
  rating: 4,
  occurredAt: '2026-11-22T10:01:00Z',
};
const purchase = {
  eventId: 'e-3',
  sku: 'book-ddia',
  type: 'purchase',
  quantity: 2,
  occurredAt: '2026-11-22T10:02:00Z',
};

function errorOf(body: unknown): ValidationError {
  try {
    parseEventBatch(JSON.stringify(body));
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseEventBatch', () => {
  it('accepts views, reviews and purchases', () => {
    expect(parseEventBatch(JSON.stringify({ events: [view, review, purchase] }))).toEqual([
      view,
      review,
      purchase,
    ]);
  });

  it('names the index of every invalid event, and accepts none of the batch', () => {
    const error = errorOf({
      events: [
        view,
        { ...review, rating: 6 },
        purchase,
        { ...purchase, quantity: undefined },
        { ...view, type: 'click' },
      ],
    });
    expect(error.message).toBe(
      'The event batch is invalid; nothing was sent. Invalid events at indexes 1, 3, 4.',
    );
    expect(error.errors.map((entry) => entry.pointer)).toEqual(
      expect.arrayContaining(['#/events/1/rating', '#/events/3/quantity']),
    );
  });

  it('refuses a rating on a view and a quantity on a review', () => {
    expect(errorOf({ events: [{ ...view, rating: 3 }] }).errors[0]?.pointer).toBe('#/events/0/rating');
    expect(errorOf({ events: [{ ...review, quantity: 1 }] }).errors[0]?.pointer).toBe('#/events/0/quantity');
  });

  it(`refuses an empty batch and one over ${MAX_EVENTS_PER_REQUEST} events`, () => {
    expect(errorOf({ events: [] }).errors[0]?.pointer).toBe('#/events');
    const tooMany = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, (_, index) => ({
      ...view,
      eventId: `e-${index}`,
    }));
    expect(errorOf({ events: tooMany }).errors[0]?.pointer).toBe('#/events');
  });

  it('refuses a missing body and a body that is not JSON', () => {
    expect(() => parseEventBatch(null)).toThrow(ValidationError);
    expect(() => parseEventBatch('{"events":')).toThrow('The body is not valid JSON.');
  });
});

describe('parseStreamedEvent', () => {
  it('reads an event from stream data and throws on anything else', () => {
    expect(parseStreamedEvent(JSON.stringify(purchase))).toEqual(purchase);
    expect(() => parseStreamedEvent('not json')).toThrow();
    expect(() => parseStreamedEvent(JSON.stringify({ ...purchase, quantity: 0 }))).toThrow();
  });
});

describe('stats', () => {
  it('turns each event into the counters it adds', () => {
    expect(statsIncrement(view as never)).toEqual({
      views: 1,
      reviews: 0,
      ratingSum: 0,
      purchases: 0,
      units: 0,
    });
    expect(statsIncrement(review as never)).toEqual({
      views: 0,
      reviews: 1,
      ratingSum: 4,
      purchases: 0,
      units: 0,
    });
    expect(statsIncrement(purchase as never)).toEqual({
      views: 0,
      reviews: 0,
      ratingSum: 0,
      purchases: 1,
      units: 2,
    });
  });

  it('shows the average rating, or null when there is no review', () => {
    expect(
      toPublicStats({
        sku: 's',
        views: 3,
        reviews: 3,
        ratingSum: 10,
        purchases: 1,
        units: 2,
        lastEventAt: 't',
      }),
    ).toEqual({
      sku: 's',
      views: 3,
      reviews: 3,
      averageRating: 3.33,
      purchases: 1,
      units: 2,
      lastEventAt: 't',
      lastSequenceNumber: null,
    });
    expect(
      toPublicStats({ sku: 's', views: 1, reviews: 0, ratingSum: 0, purchases: 0, units: 0 }).averageRating,
    ).toBeNull();
  });

  it('has a draft-4 JSON Schema for the batch with one schema per event type', () => {
    expect(productEventBatchJsonSchema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    const items = (productEventBatchJsonSchema.properties as { events: { items: { oneOf: unknown[] } } })
      .events.items;
    expect(items.oneOf).toHaveLength(3);
  });
});
