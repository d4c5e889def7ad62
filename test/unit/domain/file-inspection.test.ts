import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AcceptedContentType, inspectFile } from '../../../lambda/domain/file-inspection.ts';

/** The bytes as a stream of chunks of `size` bytes, so every check sees its input cut at arbitrary places. */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, offset + size);
  }
}

async function problemOf(
  content: string | Uint8Array,
  type: AcceptedContentType,
): Promise<string | undefined> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // Whole, and one byte at a time: the verdict must not depend on where chunks end.
  const whole = await inspectFile(chunked(bytes, Math.max(1, bytes.length)), type);
  const byByte = await inspectFile(chunked(bytes, 1), type);
  expect(byByte.problem).toBe(whole.problem);
  return whole.problem;
}

const MINIMAL_PDF = '%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n';

describe('inspectFile', () => {
  it('measures the size and SHA-256 of what it reads', async () => {
    const bytes = Buffer.from(MINIMAL_PDF);
    const inspection = await inspectFile(chunked(bytes, 7), 'application/pdf');
    expect(inspection).toEqual({
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });

  it('calls an empty file empty, whatever its type', async () => {
    for (const type of ['application/pdf', 'text/csv', 'application/json'] as const) {
      expect(await problemOf('', type)).toBe('The file is empty.');
    }
  });

  describe('PDF', () => {
    it.each([
      ['a minimal PDF 1.7', MINIMAL_PDF],
      ['a PDF 2.0 with the marker followed by a line end', '%PDF-2.0\n%%EOF\r\n'],
    ])('accepts %s', async (_name, content) => {
      expect(await problemOf(content, 'application/pdf')).toBeUndefined();
    });

    it.each([
      ['a text file renamed', 'Hello, this is not a PDF at all.\n%%EOF', /does not start with a PDF header/],
      ['a file shorter than the header', '%PDF', /does not start with a PDF header/],
      ['a truncated PDF', '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n', /no %%EOF marker/],
      ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /not a PDF/],
    ])('rejects %s', async (_name, content, reason) => {
      expect(await problemOf(content, 'application/pdf')).toMatch(reason);
    });

    it('looks for %%EOF only in the last 1024 bytes', async () => {
      const early = `%PDF-1.7\n%%EOF\n${'x'.repeat(2000)}`;
      expect(await problemOf(early, 'application/pdf')).toMatch(/no %%EOF marker in its last 1024 bytes/);
    });
  });

  describe('CSV', () => {
    it.each([
      ['a header and rows', 'sku,quantity\nA-1,2\nB-2,3\n'],
      ['CRLF line ends and no final line end', 'sku,quantity\r\nA-1,2\r\nB-2,3'],
      [
        'quoted fields with commas, quotes and line breaks',
        'name,note\n"Doe, Jane","said ""hi""\nand left"\n',
      ],
      ['a byte order mark', '\uFEFFsku,quantity\nA-1,2\n'],
      ['only a header', 'sku,quantity\n'],
      ['unicode', 'produit,quantité\nCafé ☕,1\n'],
    ])('accepts %s', async (_name, content) => {
      expect(await problemOf(content, 'text/csv')).toBeUndefined();
    });

    it.each([
      [
        'a row with too many fields',
        'sku,quantity\nA-1,2\nB-2,3,4\n',
        'Row 3 has 3 fields; the header has 2.',
      ],
      ['a row with too few fields', 'sku,quantity\nA-1\n', 'Row 2 has 1 fields; the header has 2.'],
      ['an unnamed column', 'sku,,quantity\n', "The header row's column 2 has no name."],
      ['a repeated column', 'sku,sku\n', 'The header row names the column "sku" twice.'],
      ['an unclosed quote', 'sku,note\nA,"open\n', 'Row 2 has a quoted field that is never closed.'],
      ['a quote inside a field', 'sku,note\nA,ab"c\n', 'Row 2 has a quote inside an unquoted field.'],
      ['text after a closing quote', 'sku,note\nA,"ab"c\n', 'Row 2 has characters after a closing quote.'],
      [
        'a lone carriage return',
        'sku,note\rA,b\n',
        'Row 1 has a carriage return that does not end the line.',
      ],
      [
        'invalid UTF-8',
        Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x28, 0x0a]),
        'The file is not valid UTF-8 text.',
      ],
      [
        'a binary file',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]),
        'The file is not valid UTF-8 text.',
      ],
    ])('rejects %s', async (_name, content, reason) => {
      expect(await problemOf(content, 'text/csv')).toBe(reason);
    });

    it('refuses a header row longer than 65536 characters', async () => {
      expect(await problemOf(`${'a'.repeat(70_000)}\n`, 'text/csv')).toMatch(/longer than 65536/);
    });
  });

  describe('JSON', () => {
    it.each([
      ['an object', '{"orders":[{"id":"A-1","total":12.5e-1,"paid":true,"note":null}]}'],
      ['an array with white space', ' [ 1 , -0.5 , 2E+3 , "x" ] \n'],
      ['a bare number', '42'],
      ['a bare string with escapes', '"tab\\t quote\\" unicode\\u00e9 slash\\/"'],
      ['empty containers', '{"a":{},"b":[]}'],
      ['unicode text', '{"name":"Café ☕ 𝄞"}'],
    ])('accepts %s', async (_name, content) => {
      expect(await problemOf(content, 'application/json')).toBeUndefined();
    });

    it.each([
      ['a trailing comma', '{"a":1,}', /"}" where a member name in quotes belongs/],
      ['a missing colon', '{"a" 1}', /"1" where ":" belongs/],
      ['a single-quoted string', "{'a':1}", /"'" where a member name/],
      ['an unquoted key', '{a:1}', /"a" where a member name/],
      ['a mismatched bracket', '[1,2}', /"}" where "," or "]" belongs/],
      ['two values', '{} {}', /"\{" after the end of the value/],
      ['a leading zero', '012', /"1" inside a number|after the end/],
      ['a bare minus', '-', /ends inside a number/],
      ['a fraction without digits', '1.', /ends inside a number/],
      ['an exponent without digits', '[1e]', /"]" inside a number/],
      ['a misspelled literal', 'nul', /ends before the value is complete/],
      ['a wrong literal', 'trux', /"x" \(expected true\)/],
      ['a control character in a string', '"a\u0001b"', /control character inside a string/],
      ['an invalid escape', '"\\x41"', /the escape \\x/],
      ['a short unicode escape', '"\\u12G4"', /without four hex digits/],
      ['an unclosed object', '{"a":[1,2]', /ends before the value is complete/],
      ['only white space', ' \n ', /has no value/],
      ['a CSV', 'sku,quantity\nA-1,2\n', /"s" where a value belongs/],
      ['NaN', '[NaN]', /"N" where a value belongs/],
    ])('rejects %s', async (_name, content, reason) => {
      expect(await problemOf(content, 'application/json')).toMatch(reason);
    });

    it('refuses nesting deeper than 1000 levels, and accepts 1000', async () => {
      expect(await problemOf(`${'['.repeat(1000)}${']'.repeat(1000)}`, 'application/json')).toBeUndefined();
      expect(await problemOf(`${'['.repeat(1001)}${']'.repeat(1001)}`, 'application/json')).toMatch(
        /nested deeper than 1000 levels/,
      );
    });
  });

  describe('memory', () => {
    /** Streams `megabytes` of generated content and reports the highest growth of heap plus buffers seen. */
    async function peakGrowthBytes(
      type: AcceptedContentType,
      first: string,
      repeated: string,
      last: string,
      megabytes: number,
    ): Promise<{ growth: number; problem: string | undefined; sizeBytes: number }> {
      const chunk = Buffer.from(repeated.repeat(Math.ceil(65_536 / repeated.length)));
      const count = Math.ceil((megabytes * 1_048_576) / chunk.length);
      globalThis.gc?.();
      const usage = () => {
        const { heapUsed, arrayBuffers } = process.memoryUsage();
        return heapUsed + arrayBuffers;
      };
      const baseline = usage();
      let peak = baseline;
      async function* content(): AsyncGenerator<Uint8Array> {
        yield Buffer.from(first);
        for (let index = 0; index < count; index += 1) {
          // A fresh buffer per chunk, as a network stream delivers them.
          yield Buffer.from(chunk);
          if (index % 64 === 0) {
            // Garbage is not growth: the question is what the inspection holds on to.
            globalThis.gc?.();
            peak = Math.max(peak, usage());
          }
        }
        yield Buffer.from(last);
      }
      const inspection = await inspectFile(content(), type);
      return { growth: peak - baseline, problem: inspection.problem, sizeBytes: inspection.sizeBytes };
    }

    it('runs with the garbage collector exposed (vitest.config.ts), so garbage is not counted as growth', () => {
      expect(typeof globalThis.gc).toBe('function');
    });

    // Without streaming, each of these would hold the whole file: 64 MiB or more of growth.
    const BOUND = 48 * 1_048_576;

    it('reads a 64 MiB PDF with bounded memory', async () => {
      const result = await peakGrowthBytes(
        'application/pdf',
        '%PDF-1.7\n',
        '0123456789abcdef',
        '\n%%EOF\n',
        64,
      );
      expect(result.problem).toBeUndefined();
      expect(result.sizeBytes).toBeGreaterThan(64 * 1_048_576);
      expect(result.growth).toBeLessThan(BOUND);
    });

    it('reads a 16 MiB CSV and a 16 MiB JSON array with bounded memory', async () => {
      const csv = await peakGrowthBytes('text/csv', 'sku,quantity,note\n', 'A-1,2,"x, y"\n', '', 16);
      expect(csv.problem).toBeUndefined();
      expect(csv.growth).toBeLessThan(BOUND);
      const json = await peakGrowthBytes('application/json', '[', '{"a":[1,2.5,"x"]},', '0]', 16);
      expect(json.problem).toBeUndefined();
      expect(json.growth).toBeLessThan(BOUND);
    });
  });
});
