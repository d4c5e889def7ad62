import { describe, expect, it } from 'vitest';
import { asciiJson } from '../../../lambda/shared/ascii-json.ts';

describe('asciiJson', () => {
  it('writes every character past ASCII as an escape, and reads back as the same value', () => {
    const value = { name: 'Zoë \uffff \ufffe 😀 日本', lines: [{ sku: 'a', quantity: 1 }], del: '\u007f' };
    const text = asciiJson(value);
    expect(text).toMatch(/^[\u0020-\u007e]*$/);
    expect(text).toContain('\\u00eb');
    expect(text).toContain('\\ud83d\\ude00');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('leaves ASCII JSON as JSON.stringify writes it', () => {
    const value = { orderId: 'order-1001', totalCents: 10_448, note: 'tab\there "quoted"' };
    expect(asciiJson(value)).toBe(JSON.stringify(value));
  });
});
