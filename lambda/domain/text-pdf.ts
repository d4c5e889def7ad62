import { createHash } from 'node:crypto';

/**
 * A plain-text PDF writer: pages of lines in one of the standard 14 fonts, which every PDF reader has and which
 * are therefore never embedded (ISO 32000-1:2008, 9.6.2.2). It is what a receipt needs and nothing more: a general
 * PDF library is about 575 KiB of code (font metrics, images, forms, SVG) that every cold start of the receipt
 * worker would parse for a few lines of text.
 *
 * The file is PDF 1.4 in the classic layout of section 7.5: header, indirect objects, cross-reference table,
 * trailer. Text is written as hexadecimal strings (7.3.4.3), so no character needs escaping.
 */

/** A page's size and where its text goes, in points (1/72 inch). */
export interface TextPageLayout {
  readonly width: number;
  readonly height: number;
  /** Left margin, and the distance from the top of the page to the first baseline. */
  readonly margin: number;
  readonly lineHeight: number;
  readonly fontSize: number;
}

/** What the document says about itself (the document information dictionary, 14.3.3). */
export interface TextPdfInfo {
  readonly title: string;
  /** Creation and modification date: pass a date from the data, not the clock, for reproducible bytes. */
  readonly date: Date;
}

/** The font every page uses: Helvetica, one of the standard 14. */
const FONT = '/Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding';

/** How many lines fit on one page of the layout, between the top and bottom margins. */
export function linesPerPage(layout: TextPageLayout): number {
  return Math.max(1, Math.floor((layout.height - 2 * layout.margin) / layout.lineHeight) + 1);
}

/** Writes the lines as a PDF, continuing on a new page when a page is full; the same input gives the same bytes. */
export function writeTextPdf(
  lines: readonly string[],
  layout: TextPageLayout,
  info: TextPdfInfo,
): Uint8Array {
  const perPage = linesPerPage(layout);
  const pages: string[][] = [];
  for (let start = 0; start < Math.max(lines.length, 1); start += perPage) {
    pages.push(lines.slice(start, start + perPage));
  }
  // Objects 1-4: catalog, page tree, font, information; then a page object and its content stream per page.
  const pageId = (index: number): number => 5 + 2 * index;
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, index) => `${pageId(index)} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    `<< ${FONT} >>`,
    `<< /Title ${hexString(info.title)} /CreationDate ${pdfDate(info.date)} /ModDate ${pdfDate(info.date)} >>`,
  ];
  pages.forEach((pageLines, index) => {
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${layout.width} ${layout.height}] ` +
        `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId(index) + 1} 0 R >>`,
    );
    const content = pageContent(pageLines, layout);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });
  return assemble(objects);
}

/** One page's content stream: a text object that sets the font, then each line at its baseline (9.4). */
function pageContent(lines: readonly string[], layout: TextPageLayout): string {
  const operators = [`BT /F1 ${layout.fontSize} Tf`];
  lines.forEach((line, index) => {
    const y = layout.height - layout.margin - index * layout.lineHeight;
    operators.push(`1 0 0 1 ${layout.margin} ${round(y)} Tm ${hexString(line)} Tj`);
  });
  operators.push('ET');
  return operators.join('\n');
}

/** The objects numbered from 1, with the cross-reference table and trailer that locate them (7.5.4, 7.5.5). */
function assemble(objects: readonly string[]): Uint8Array {
  // The header's second line holds bytes over 127, so that transfer tools treat the file as binary (7.5.2).
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const size = objects.length + 1;
  // Each entry is exactly 20 bytes, its end of line included: "nnnnnnnnnn ggggg n" and a space and a newline.
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
  // The file identifier (14.4) from the content itself: the same document always has the same id.
  const id = createHash('sha256').update(body, 'latin1').digest('hex').slice(0, 32);
  const trailer =
    `xref\n0 ${size}\n0000000000 65535 f \n${entries.join('')}` +
    `trailer\n<< /Size ${size} /Root 1 0 R /Info 4 0 R /ID [<${id}> <${id}>] >>\n` +
    `startxref\n${body.length}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body + trailer, 'latin1'));
}

/**
 * Text as a hexadecimal string of WinAnsiEncoding codes (Annex D.2). Printable ASCII and Latin-1 characters have
 * the same codes in both; any other character is written as `?` rather than as a wrong glyph.
 */
function hexString(text: string): string {
  let hex = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0x3f;
    const printable = (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff);
    hex += (printable ? code : 0x3f).toString(16).padStart(2, '0');
  }
  return `<${hex}>`;
}

/** A date as a PDF date string in UTC: `(D:YYYYMMDDHHmmSSZ)` (7.9.4). */
function pdfDate(date: Date): string {
  const iso = date.toISOString(); // 2026-11-22T11:00:00.000Z
  return `(D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z)`;
}

/** Coordinates with at most two decimals: no float noise such as 785.8900000000001 in the file. */
function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
