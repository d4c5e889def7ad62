import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambda/domain/errors.ts';
import { parseJsonBody } from '../../../lambda/domain/json-input.ts';

/** The field errors `parseJsonBody` throws for a body. */
function refusal(body: string): ValidationError {
  try {
    parseJsonBody(body, 'a JSON object');
  } catch (error) {
    if (error instanceof ValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error(`${body.slice(0, 40)} was accepted`);
}

describe('parseJsonBody', () => {
  it('parses a JSON body, surrogate pairs and other well-formed text included', () => {
    expect(parseJsonBody('{"name":"Ada \\ud83d\\ude00 \\u00e9t\\u00e9","lines":[1]}', 'an order')).toEqual({
      name: 'Ada 😀 été',
      lines: [1],
    });
  });

  it('refuses a missing, blank or malformed body', () => {
    expect(refusal('').message).toBe('The request has no body.');
    expect(refusal('  \n').message).toBe('The request has no body.');
    expect(refusal('{"a":').message).toBe('The body is not valid JSON.');
  });

  it('refuses a lone surrogate escape in a value or a member name, naming where it is', () => {
    expect(refusal('{"shipTo":{"name":"Ada \\ud800"}}').errors).toEqual([
      { pointer: '#/shipTo/name', detail: expect.stringContaining('well-formed Unicode') },
    ]);
    expect(refusal('{"lines":[{"sku":"a"},{"sku":"\\udc00b"}]}').errors.map((e) => e.pointer)).toEqual([
      '#/lines/1/sku',
    ]);
    expect(refusal('{"reason":"\\ude00\\ud83d"}').errors.map((e) => e.pointer)).toEqual(['#/reason']);
    expect(refusal('{"a\\ud800/b":1}').errors.map((e) => e.pointer)).toEqual(['#/a\ud800~1b']);
    expect(refusal('"\\ud800"').errors.map((e) => e.pointer)).toEqual(['#']);
  });

  it('reports at most ten strings, and points no deeper than 32 levels', () => {
    const many = `[${Array.from({ length: 50 }, () => '"\\ud800"').join(',')}]`;
    expect(refusal(many).errors).toHaveLength(10);
    const deep = `${'['.repeat(10_000)}"\\ud800"${']'.repeat(10_000)}`;
    expect(refusal(deep).errors).toEqual([{ pointer: `#${'/0'.repeat(32)}`, detail: expect.any(String) }]);
  });

  it('walks a body nested 100,000 levels deep without overflowing the stack', () => {
    const deep = `${'{"a":['.repeat(100_000)}1${']}'.repeat(100_000)}`;
    expect(() => parseJsonBody(deep, 'a JSON object')).not.toThrow();
  });
});
