import { PDFDocument } from '@cantoo/pdf-lib';
import { describe, expect, it } from 'vitest';
import { linesPerPage, type TextPageLayout, writeTextPdf } from '../../../lambda/domain/text-pdf.ts';
import { pdfText } from '../../helpers/pdf.ts';

const A4: TextPageLayout = { width: 595.28, height: 841.89, margin: 56, lineHeight: 16, fontSize: 11 };
const info = { title: 'Receipt order-9', date: new Date('2026-11-22T11:00:00Z') };

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('writeTextPdf', () => {
  it('writes a PDF that a PDF library reads back: its pages, its lines, its title and date', async () => {
    const lines = ['Receipt for order order-9', '', 'Total EUR 104.48 (paid) \\ done'];
    const bytes = writeTextPdf(lines, A4, info);
    const document = await PDFDocument.load(bytes, { throwOnInvalidObject: true, updateMetadata: false });
    expect(document.getPageCount()).toBe(1);
    expect(document.getPage(0).getSize()).toEqual({ width: 595.28, height: 841.89 });
    expect(document.getTitle()).toBe('Receipt order-9');
    expect(document.getCreationDate()?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
    expect(await pdfText(bytes)).toEqual(lines);
  });

  it('points every cross-reference entry at its object, and startxref at the table', () => {
    const text = latin1(writeTextPdf(['one', 'two'], A4, info));
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 5)).toBe('xref\n');
    const [, count, table] = /^xref\n0 (\d+)\n([\s\S]*?)trailer/.exec(text.slice(startxref)) ?? [];
    const entries = (table ?? '').match(/.{20}/gs) ?? [];
    expect(entries).toHaveLength(Number(count));
    expect(entries[0]).toBe('0000000000 65535 f \n');
    entries.slice(1).forEach((entry, index) => {
      expect(entry).toMatch(/^\d{10} 00000 n \n$/);
      const offset = Number(entry.slice(0, 10));
      expect(text.slice(offset).startsWith(`${index + 1} 0 obj\n`), `object ${index + 1}`).toBe(true);
    });
  });

  it('gives each content stream its exact length in bytes', () => {
    const text = latin1(writeTextPdf(['a line', 'another line'], A4, info));
    const streams = [...text.matchAll(/<< \/Length (\d+) >>\nstream\n([\s\S]*?)\nendstream/g)];
    expect(streams.length).toBeGreaterThan(0);
    for (const [, length, content] of streams) {
      expect(Buffer.byteLength(content ?? '', 'latin1')).toBe(Number(length));
    }
  });

  it('continues on new pages when the lines do not fit one, keeping their order', async () => {
    const perPage = linesPerPage(A4);
    const lines = Array.from({ length: perPage * 2 + 1 }, (_, index) => `line ${index}`);
    const bytes = writeTextPdf(lines, A4, info);
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(3);
    expect(await pdfText(bytes)).toEqual(lines);
  });

  it('puts as many lines on a page as fit between the margins', () => {
    // 841.89 - 2 x 56 = 729.89 points of text: baselines at 0, 16, ... 720 from the top margin, 46 lines.
    expect(linesPerPage(A4)).toBe(46);
  });

  it('writes a character that WinAnsiEncoding cannot show as a question mark, and keeps Latin-1 letters', async () => {
    expect(await pdfText(writeTextPdf(['café 😀 €'], A4, info))).toEqual(['café ? ?']);
  });

  it('writes the same bytes for the same input', () => {
    expect(
      Buffer.from(writeTextPdf(['x'], A4, info)).equals(Buffer.from(writeTextPdf(['x'], A4, info))),
    ).toBe(true);
  });
});
