import { describe, expect, it } from 'vitest';
import { FileTooLargeError, ValidationError } from '../../../lambda/domain/errors.ts';
import {
  decodeEventKey,
  fileKey,
  MAX_FILE_BYTES,
  parseIncomingKey,
  parseUploadRequest,
  requireFileId,
  uploadRequestJsonSchema,
} from '../../../lambda/domain/file-drop.ts';

const FILE_ID = '0b9f6f5e-8a47-4d0c-9a57-3c1f0d3e2b11';

function pointersOf(body: unknown): string[] {
  try {
    parseUploadRequest(JSON.stringify(body));
  } catch (error) {
    if (error instanceof ValidationError) {
      return error.errors.map((e) => e.pointer);
    }
    throw error;
  }
  return [];
}

describe('parseUploadRequest', () => {
  it.each([
    ['a PDF', { filename: 'invoice.pdf', contentType: 'application/pdf', size: 1 }],
    [
      'a CSV with spaces, + and unicode',
      { filename: 'ventes été + taxes.CSV', contentType: 'text/csv', size: 10 },
    ],
    [
      'a JSON file of exactly 100 MiB, multipart',
      { filename: 'a.json', contentType: 'application/json', size: MAX_FILE_BYTES, multipart: true },
    ],
    ['a name with %', { filename: '100% done.pdf', contentType: 'application/pdf', size: 5 }],
  ])('accepts %s', (_name, body) => {
    expect(parseUploadRequest(JSON.stringify(body))).toEqual(body);
  });

  it.each([
    ['another content type', { filename: 'a.png', contentType: 'image/png', size: 1 }, ['#/contentType']],
    ['a size of 0', { filename: 'a.pdf', contentType: 'application/pdf', size: 0 }, ['#/size']],
    ['a fractional size', { filename: 'a.pdf', contentType: 'application/pdf', size: 1.5 }, ['#/size']],
    ['a size as a string', { filename: 'a.pdf', contentType: 'application/pdf', size: '1' }, ['#/size']],
    ['a path', { filename: '../a.pdf', contentType: 'application/pdf', size: 1 }, ['#/filename']],
    ['a backslash', { filename: 'a\\b.pdf', contentType: 'application/pdf', size: 1 }, ['#/filename']],
    [
      'a control character',
      { filename: 'a\nb.pdf', contentType: 'application/pdf', size: 1 },
      ['#/filename'],
    ],
    ['"."', { filename: '.', contentType: 'application/pdf', size: 1 }, ['#/filename']],
    [
      'a mismatched extension',
      { filename: 'a.csv', contentType: 'application/pdf', size: 1 },
      ['#/filename'],
    ],
    ['no extension', { filename: 'invoice', contentType: 'application/json', size: 1 }, ['#/filename']],
    [
      'a name over 255 UTF-8 bytes',
      { filename: `${'é'.repeat(126)}.pdf`, contentType: 'application/pdf', size: 1 },
      ['#/filename'],
    ],
    [
      'an unknown field',
      { filename: 'a.pdf', contentType: 'application/pdf', size: 1, acl: 'public' },
      ['#/acl'],
    ],
    ['missing fields', {}, ['#/filename', '#/contentType', '#/size']],
    [
      'multipart as a string',
      { filename: 'a.pdf', contentType: 'application/pdf', size: 1, multipart: 'yes' },
      ['#/multipart'],
    ],
  ])('refuses %s', (_name, body, pointers) => {
    expect(pointersOf(body)).toEqual(pointers);
  });

  it('refuses a body that is not JSON', () => {
    expect(() => parseUploadRequest('{"filename":')).toThrow(ValidationError);
    expect(() => parseUploadRequest('')).toThrow(ValidationError);
  });

  it('answers a size over 100 MiB with FileTooLargeError, after the schema', () => {
    const body = { filename: 'big.pdf', contentType: 'application/pdf', size: MAX_FILE_BYTES + 1 };
    expect(() => parseUploadRequest(JSON.stringify(body))).toThrow(FileTooLargeError);
    expect(() => parseUploadRequest(JSON.stringify(body))).toThrow(/at most 104857600 bytes/);
  });

  it('leaves the size limit out of the API Gateway model, so the function answers it with 413', () => {
    const schema = uploadRequestJsonSchema as unknown as { properties: { size: Record<string, unknown> } };
    expect(schema.properties.size.maximum).not.toBe(MAX_FILE_BYTES);
    expect(JSON.stringify(schema)).toContain('"additionalProperties":false');
  });
});

describe('keys', () => {
  it('lays files out as {area}/{fileId}/{filename}', () => {
    expect(fileKey('incoming', FILE_ID, 'a b.pdf')).toBe(`incoming/${FILE_ID}/a b.pdf`);
    expect(fileKey('quarantine', FILE_ID, 'a.pdf')).toBe(`quarantine/${FILE_ID}/a.pdf`);
  });

  it('reads back only the incoming keys the drop hands out', () => {
    expect(parseIncomingKey(`incoming/${FILE_ID}/été + 100%.pdf`)).toEqual({
      fileId: FILE_ID,
      filename: 'été + 100%.pdf',
    });
    expect(parseIncomingKey(`processed/${FILE_ID}/a.pdf`)).toBeUndefined();
    expect(parseIncomingKey('incoming/not-a-uuid/a.pdf')).toBeUndefined();
    expect(parseIncomingKey(`incoming/${FILE_ID}/nested/a.pdf`)).toBeUndefined();
    expect(parseIncomingKey(`incoming/${FILE_ID}/`)).toBeUndefined();
  });

  it.each([
    ['a space, sent as +', 'incoming/red+flower.pdf', 'incoming/red flower.pdf'],
    ['a plus, sent as %2B', 'incoming/a%2Bb.pdf', 'incoming/a+b.pdf'],
    ['a percent sign', 'incoming/100%25.pdf', 'incoming/100%.pdf'],
    ['unicode', 'incoming/caf%C3%A9+%E2%98%95.pdf', 'incoming/café ☕.pdf'],
  ])('decodes an event key with %s', (_name, encoded, key) => {
    expect(decodeEventKey(encoded)).toBe(key);
  });

  it('requires file ids to be lowercase UUIDs', () => {
    expect(requireFileId(FILE_ID)).toBe(FILE_ID);
    for (const bad of [undefined, '', FILE_ID.toUpperCase(), '../etc', `${FILE_ID}x`]) {
      expect(() => requireFileId(bad)).toThrow(ValidationError);
    }
  });
});
