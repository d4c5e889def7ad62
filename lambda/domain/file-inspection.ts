import { createHash } from 'node:crypto';

/** The content types the file drop accepts, each with the check that its bytes are what the type claims. */
export const ACCEPTED_CONTENT_TYPES = ['application/pdf', 'text/csv', 'application/json'] as const;
export type AcceptedContentType = (typeof ACCEPTED_CONTENT_TYPES)[number];

/** What reading a file once taught us: its size, its SHA-256, and why it is not what it claims, if it is not. */
export interface FileInspection {
  readonly sizeBytes: number;
  /** Lowercase hex. */
  readonly sha256: string;
  /** Why the content does not match its declared type; absent when it does. */
  readonly problem?: string;
}

/**
 * A check fed the file chunk by chunk. `write` and `end` return the first problem found; after a problem the check
 * is not fed any more. Every check keeps a bounded amount of state, whatever the file's size.
 */
interface ContentCheck {
  write(chunk: Uint8Array): string | undefined;
  end(): string | undefined;
}

/**
 * Reads a file once, as a stream: counts it, hashes it, and checks its content against its declared type.
 * Memory stays at one chunk plus each check's bounded state, so a 100 MiB file costs what a 1 KiB one does.
 */
export async function inspectFile(
  chunks: AsyncIterable<Uint8Array>,
  contentType: AcceptedContentType,
): Promise<FileInspection> {
  const hash = createHash('sha256');
  const check = checkFor(contentType);
  let sizeBytes = 0;
  let problem: string | undefined;
  for await (const chunk of chunks) {
    hash.update(chunk);
    sizeBytes += chunk.byteLength;
    problem ??= check.write(chunk);
  }
  problem ??= sizeBytes === 0 ? 'The file is empty.' : check.end();
  return { sizeBytes, sha256: hash.digest('hex'), ...(problem === undefined ? {} : { problem }) };
}

function checkFor(contentType: AcceptedContentType): ContentCheck {
  switch (contentType) {
    case 'application/pdf':
      return new PdfCheck();
    case 'text/csv':
      return new TextCheck(new CsvSyntax());
    case 'application/json':
      return new TextCheck(new JsonSyntax());
  }
}

/** How far from the end a PDF reader looks for `%%EOF` (ISO 32000-1, 7.5.5 and implementation note 18). */
const PDF_TRAILER_WINDOW = 1024;
const PDF_HEADER = /^%PDF-[12]\.\d/;

/** A PDF starts with `%PDF-1.x` or `%PDF-2.x` and ends with `%%EOF`: a renamed or truncated file fails one. */
class PdfCheck implements ContentCheck {
  private head = '';
  private tail = Buffer.alloc(0);

  write(chunk: Uint8Array): string | undefined {
    if (this.head.length < 8) {
      this.head += Buffer.from(chunk.subarray(0, 8 - this.head.length)).toString('latin1');
      if (this.head.length === 8 && !PDF_HEADER.test(this.head)) {
        return 'The file does not start with a PDF header (%PDF-1.x or %PDF-2.x): it is not a PDF.';
      }
    }
    const joined = Buffer.concat([this.tail, chunk]);
    this.tail = joined.subarray(Math.max(0, joined.length - PDF_TRAILER_WINDOW));
    return undefined;
  }

  end(): string | undefined {
    if (!PDF_HEADER.test(this.head)) {
      return 'The file does not start with a PDF header (%PDF-1.x or %PDF-2.x): it is not a PDF.';
    }
    if (!this.tail.toString('latin1').includes('%%EOF')) {
      return `The file has no %%EOF marker in its last ${PDF_TRAILER_WINDOW} bytes: it is truncated or not a PDF.`;
    }
    return undefined;
  }
}

/** A syntax fed decoded text. */
interface TextSyntax {
  write(text: string): string | undefined;
  end(): string | undefined;
}

/** Decodes UTF-8 strictly across chunk boundaries (a malformed sequence is a problem) and feeds a syntax. */
class TextCheck implements ContentCheck {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

  constructor(private readonly syntax: TextSyntax) {}

  write(chunk: Uint8Array): string | undefined {
    return this.decode(() => this.decoder.decode(chunk, { stream: true }));
  }

  end(): string | undefined {
    return this.decode(() => this.decoder.decode()) ?? this.syntax.end();
  }

  private decode(read: () => string): string | undefined {
    let text: string;
    try {
      text = read();
    } catch {
      return 'The file is not valid UTF-8 text.';
    }
    return text === '' ? undefined : this.syntax.write(text);
  }
}

/** Longest header row a CSV file may have; the header's names are the only thing kept in memory. */
const MAX_CSV_HEADER_CHARACTERS = 65_536;

/**
 * RFC 4180 CSV with a header row: comma-separated fields, CRLF or LF line ends, `"`-quoted fields with `""` for a
 * quote. The header names every column (no empty or repeated names) and every row has as many fields as it.
 * A leading byte order mark is dropped by the decoder, as spreadsheet exports often have one.
 */
class CsvSyntax implements TextSyntax {
  private row = 1;
  private fields = 0;
  private field = '';
  private quoted: 'no' | 'inside' | 'closed' = 'no';
  private fieldStarted = false;
  private header: string[] | undefined;
  /** The header's names while its row is read. */
  private headerNames: string[] = [];
  private headerLength = 0;
  private pendingCr = false;

  write(text: string): string | undefined {
    for (const character of text) {
      const problem = this.character(character);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  }

  end(): string | undefined {
    if (this.quoted === 'inside') {
      return `Row ${this.row} has a quoted field that is never closed.`;
    }
    if (this.pendingCr || this.fieldStarted || this.fields > 0) {
      const problem = this.endRecord();
      if (problem) {
        return problem;
      }
    }
    return this.header ? undefined : 'The file has no header row.';
  }

  private character(character: string): string | undefined {
    if (this.pendingCr) {
      this.pendingCr = false;
      if (character === '\n') {
        return this.endRecord();
      }
      return `Row ${this.row} has a carriage return that does not end the line.`;
    }
    if (this.quoted === 'inside') {
      if (character === '"') {
        this.quoted = 'closed';
      } else {
        this.keep(character);
      }
      return this.headerTooLong();
    }
    if (character === '"') {
      if (this.quoted === 'closed') {
        // `""` inside a quoted field is one quote.
        this.quoted = 'inside';
        this.keep('"');
        return undefined;
      }
      if (this.fieldStarted) {
        return `Row ${this.row} has a quote inside an unquoted field.`;
      }
      this.quoted = 'inside';
      this.fieldStarted = true;
      return undefined;
    }
    if (character === ',') {
      this.endField();
      return undefined;
    }
    if (character === '\r') {
      this.pendingCr = true;
      return undefined;
    }
    if (character === '\n') {
      return this.endRecord();
    }
    if (this.quoted === 'closed') {
      return `Row ${this.row} has characters after a closing quote.`;
    }
    this.fieldStarted = true;
    this.keep(character);
    return this.headerTooLong();
  }

  private keep(character: string): void {
    if (!this.header) {
      this.field += character;
      this.headerLength += 1;
    }
  }

  private headerTooLong(): string | undefined {
    return this.headerLength > MAX_CSV_HEADER_CHARACTERS
      ? `The header row is longer than ${MAX_CSV_HEADER_CHARACTERS} characters.`
      : undefined;
  }

  private endField(): void {
    if (!this.header) {
      this.headerNames.push(this.field);
    }
    this.fields += 1;
    this.field = '';
    this.quoted = 'no';
    this.fieldStarted = false;
  }

  private endRecord(): string | undefined {
    this.endField();
    const count = this.fields;
    this.fields = 0;
    if (!this.header) {
      const names = this.headerNames;
      this.headerNames = [];
      const empty = names.findIndex((name) => name.trim() === '');
      if (empty >= 0) {
        return `The header row's column ${empty + 1} has no name.`;
      }
      const repeated = names.find((name, index) => names.indexOf(name) !== index);
      if (repeated !== undefined) {
        return `The header row names the column "${repeated}" twice.`;
      }
      this.header = names;
    } else if (count !== this.header.length) {
      return `Row ${this.row} has ${count} fields; the header has ${this.header.length}.`;
    }
    this.row += 1;
    return undefined;
  }
}

/** Deepest nesting a JSON file may have (Jackson's default limit): the nesting stack is all the check keeps. */
const MAX_JSON_DEPTH = 1000;

type JsonState =
  | 'value'
  | 'first-value-or-end'
  | 'key'
  | 'first-key-or-end'
  | 'colon'
  | 'after-value'
  | 'done'
  | 'string'
  | 'escape'
  | 'unicode'
  | 'literal'
  | 'number';

type NumberPart = 'minus' | 'zero' | 'integer' | 'point' | 'fraction' | 'e' | 'exponent-sign' | 'exponent';

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const JSON_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const LITERALS: Readonly<Record<string, string>> = { t: 'true', f: 'false', n: 'null' };

/**
 * RFC 8259 JSON, checked as a stream of characters without building the value: one value (any type) with only
 * white space around it. The state is the nesting stack and the token being read.
 */
class JsonSyntax implements TextSyntax {
  private state: JsonState = 'value';
  private readonly stack: Array<'{' | '['> = [];
  private stringIsKey = false;
  private unicodeDigits = 0;
  private literal = '';
  private literalAt = 0;
  private number: NumberPart = 'minus';
  private offset = 0;

  write(text: string): string | undefined {
    for (const character of text) {
      const problem = this.character(character);
      if (problem) {
        return problem;
      }
      this.offset += 1;
    }
    return undefined;
  }

  end(): string | undefined {
    if (this.state === 'number') {
      if (!this.numberCanEnd()) {
        return 'The file is not JSON: it ends inside a number.';
      }
      this.state = this.afterValue();
    }
    if (this.state !== 'done') {
      return this.stack.length > 0 || this.state !== 'value'
        ? 'The file is not JSON: it ends before the value is complete.'
        : 'The file is not JSON: it has no value.';
    }
    return undefined;
  }

  private character(character: string): string | undefined {
    switch (this.state) {
      case 'string':
        if (character === '"') {
          this.state = this.stringIsKey ? 'colon' : this.afterValue();
        } else if (character === '\\') {
          this.state = 'escape';
        } else if (character < ' ') {
          return this.unexpected('a control character inside a string');
        }
        return undefined;
      case 'escape':
        if (character === 'u') {
          this.state = 'unicode';
          this.unicodeDigits = 0;
        } else if (JSON_ESCAPES.has(character)) {
          this.state = 'string';
        } else {
          return this.unexpected(`the escape \\${character}`);
        }
        return undefined;
      case 'unicode':
        if (!/[0-9A-Fa-f]/.test(character)) {
          return this.unexpected('a \\u escape without four hex digits');
        }
        this.unicodeDigits += 1;
        if (this.unicodeDigits === 4) {
          this.state = 'string';
        }
        return undefined;
      case 'literal':
        if (character !== this.literal[this.literalAt]) {
          return this.unexpected(`"${character}" (expected ${this.literal})`);
        }
        this.literalAt += 1;
        if (this.literalAt === this.literal.length) {
          this.state = this.afterValue();
        }
        return undefined;
      case 'number':
        if (this.numberCharacter(character)) {
          return undefined;
        }
        if (!this.numberCanEnd()) {
          return this.unexpected(`"${character}" inside a number`);
        }
        this.state = this.afterValue();
        return this.character(character);
      default:
        return JSON_WHITESPACE.has(character) ? undefined : this.structural(character);
    }
  }

  private structural(character: string): string | undefined {
    switch (this.state) {
      case 'value':
      case 'first-value-or-end':
        if (character === ']' && this.state === 'first-value-or-end') {
          return this.close();
        }
        return this.startValue(character);
      case 'key':
      case 'first-key-or-end':
        if (character === '}' && this.state === 'first-key-or-end') {
          return this.close();
        }
        if (character !== '"') {
          return this.unexpected(`"${character}" where a member name in quotes belongs`);
        }
        this.state = 'string';
        this.stringIsKey = true;
        return undefined;
      case 'colon':
        if (character !== ':') {
          return this.unexpected(`"${character}" where ":" belongs`);
        }
        this.state = 'value';
        return undefined;
      case 'after-value': {
        const container = this.stack.at(-1);
        if (character === ',') {
          this.state = container === '{' ? 'key' : 'value';
          return undefined;
        }
        const closing = container === '{' ? '}' : ']';
        if (character === closing) {
          return this.close();
        }
        return this.unexpected(`"${character}" where "," or "${closing}" belongs`);
      }
      default:
        return this.unexpected(`"${character}" after the end of the value`);
    }
  }

  private startValue(character: string): string | undefined {
    if (character === '{' || character === '[') {
      if (this.stack.length >= MAX_JSON_DEPTH) {
        return `The JSON is nested deeper than ${MAX_JSON_DEPTH} levels.`;
      }
      this.stack.push(character);
      this.state = character === '{' ? 'first-key-or-end' : 'first-value-or-end';
      return undefined;
    }
    if (character === '"') {
      this.state = 'string';
      this.stringIsKey = false;
      return undefined;
    }
    const literal = LITERALS[character];
    if (literal) {
      this.state = 'literal';
      this.literal = literal;
      this.literalAt = 1;
      return undefined;
    }
    if (character === '-' || (character >= '0' && character <= '9')) {
      this.state = 'number';
      this.number = character === '-' ? 'minus' : character === '0' ? 'zero' : 'integer';
      return undefined;
    }
    return this.unexpected(`"${character}" where a value belongs`);
  }

  /** Advances the number grammar `-? (0 | [1-9]\d*) (\.\d+)? ([eE][+-]?\d+)?`; false when `character` is not part of it. */
  private numberCharacter(character: string): boolean {
    const digit = character >= '0' && character <= '9';
    const exponent = character === 'e' || character === 'E';
    const next = ((): NumberPart | undefined => {
      switch (this.number) {
        case 'minus':
          return character === '0' ? 'zero' : digit ? 'integer' : undefined;
        case 'zero':
          return character === '.' ? 'point' : exponent ? 'e' : undefined;
        case 'integer':
          return digit ? 'integer' : character === '.' ? 'point' : exponent ? 'e' : undefined;
        case 'point':
          return digit ? 'fraction' : undefined;
        case 'fraction':
          return digit ? 'fraction' : exponent ? 'e' : undefined;
        case 'e':
          return character === '+' || character === '-' ? 'exponent-sign' : digit ? 'exponent' : undefined;
        case 'exponent-sign':
        case 'exponent':
          return digit ? 'exponent' : undefined;
      }
    })();
    if (next === undefined) {
      return false;
    }
    this.number = next;
    return true;
  }

  private numberCanEnd(): boolean {
    return (
      this.number === 'zero' ||
      this.number === 'integer' ||
      this.number === 'fraction' ||
      this.number === 'exponent'
    );
  }

  private close(): undefined {
    this.stack.pop();
    this.state = this.afterValue();
    return undefined;
  }

  private afterValue(): JsonState {
    return this.stack.length === 0 ? 'done' : 'after-value';
  }

  private unexpected(what: string): string {
    return `The file is not JSON: ${what} at character ${this.offset + 1}.`;
  }
}
