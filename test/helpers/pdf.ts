import {
  decodePDFRawStream,
  PDFArray,
  PDFDocument,
  PDFName,
  PDFRawStream,
  type PDFRef,
} from '@cantoo/pdf-lib';

/**
 * The text a PDF draws, line by line: the strings of its pages' text operators, decoded. Enough for checking
 * what a generated receipt says, and it fails if the file is not a PDF.
 */
export async function pdfText(bytes: Uint8Array): Promise<string[]> {
  const document = await PDFDocument.load(bytes);
  const lines: string[] = [];
  for (const page of document.getPages()) {
    const contents = page.node.get(PDFName.of('Contents'));
    const refs = contents instanceof PDFArray ? contents.asArray() : [contents];
    for (const ref of refs) {
      const stream = document.context.lookup(ref as PDFRef);
      if (!(stream instanceof PDFRawStream)) {
        continue;
      }
      const operators = Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
      for (const match of operators.matchAll(/<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
        lines.push(
          match[1] !== undefined ? Buffer.from(match[1], 'hex').toString('latin1') : (match[2] ?? ''),
        );
      }
    }
  }
  return lines;
}
