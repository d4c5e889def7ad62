import { describe, expect, it } from 'vitest';
import {
  attachmentDisposition,
  downloadContentType,
  downloadHeaders,
  OPAQUE_CONTENT_TYPE,
} from '../../../lambda/domain/download.ts';

describe('downloadContentType', () => {
  it('serves types a browser would run or render as a page as opaque bytes', () => {
    for (const declared of [
      'text/html',
      'image/svg+xml',
      'application/xhtml+xml',
      'text/xml',
      'application/xml',
      'text/javascript',
      'application/javascript',
      'text/x-unknown',
    ]) {
      expect(downloadContentType(declared), declared).toBe(OPAQUE_CONTENT_TYPE);
    }
  });

  it('keeps an inert type as declared, in lower case, since media types are case-insensitive', () => {
    expect(downloadContentType('application/pdf')).toBe('application/pdf');
    expect(downloadContentType('Image/PNG')).toBe('image/png');
    expect(downloadContentType('TEXT/HTML')).toBe(OPAQUE_CONTENT_TYPE);
  });
});

describe('downloadHeaders', () => {
  it('serves every file as an attachment under its own name', () => {
    expect(downloadHeaders('page.html', 'text/html')).toEqual({
      contentType: OPAQUE_CONTENT_TYPE,
      contentDisposition: `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    });
  });

  it('names a file with accents, quotes and spaces in ASCII and in UTF-8', () => {
    expect(attachmentDisposition('Façture "1" 100%.pdf')).toBe(
      `attachment; filename="Fa_ture _1_ 100_.pdf"; filename*=UTF-8''Fa%C3%A7ture%20%221%22%20100%25.pdf`,
    );
  });
});
