import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import {
  newTicket,
  parseSubscribe,
  statusChange,
  TICKET_PATTERN,
  ticketHash,
} from '../../../lambda/domain/status-push.ts';

describe('status changes', () => {
  const queued = { orderId: 'o-1', status: 'QUEUED', updatedAt: '2026-11-22T11:00:00.000Z', sent: false };

  it('reports a new status with the id, the pattern and when it was reached', () => {
    expect(statusChange('queue', undefined, queued)).toEqual({
      type: 'status',
      pattern: 'queue',
      orderId: 'o-1',
      status: 'QUEUED',
      at: '2026-11-22T11:00:00.000Z',
    });
    const processing = { ...queued, status: 'PROCESSING', updatedAt: '2026-11-22T11:00:01.000Z' };
    expect(statusChange('queue', queued, processing)?.status).toBe('PROCESSING');
  });

  it('stays silent when another attribute changed, or the item was deleted', () => {
    expect(statusChange('queue', queued, { ...queued, sent: true })).toBeUndefined();
    expect(statusChange('queue', queued, undefined)).toBeUndefined();
  });

  it('reads the file drop’s file id and processing time, and the CQRS view’s order id', () => {
    const file = {
      fileId: 'f-1',
      status: 'PROCESSED',
      createdAt: '2026-11-22T10:00:00Z',
      processedAt: '2026-11-22T10:00:05Z',
    };
    expect(statusChange('file', { ...file, status: 'AWAITING_UPLOAD' }, file)).toMatchObject({
      pattern: 'file',
      orderId: 'f-1',
      at: '2026-11-22T10:00:05Z',
    });
    expect(
      statusChange('cqrs', undefined, { orderId: 'c-1', status: 'PLACED', updatedAt: 'u' }),
    ).toMatchObject({
      orderId: 'c-1',
      status: 'PLACED',
    });
  });
});

describe('tickets and subscribe messages', () => {
  it('makes unguessable tickets of a fixed shape, stored by hash', () => {
    const { ticket, ticketHash: hash } = newTicket();
    expect(ticket).toMatch(TICKET_PATTERN);
    expect(hash).toBe(ticketHash(ticket));
    expect(hash).not.toContain(ticket);
    expect(newTicket().ticket).not.toBe(ticket);
  });

  it('accepts {"action":"subscribe","orderId"} and refuses anything else', () => {
    expect(parseSubscribe('{"action":"subscribe","orderId":"o-1"}')).toEqual({ orderId: 'o-1' });
    for (const body of [
      'not json',
      '{"action":"subscribe"}',
      '{"action":"subscribe","orderId":"../etc"}',
      '{"action":"subscribe","orderId":"o-1","extra":1}',
      '{"action":"unsubscribe","orderId":"o-1"}',
    ]) {
      expect(() => parseSubscribe(body), body).toThrow(ValidationError);
    }
  });
});
