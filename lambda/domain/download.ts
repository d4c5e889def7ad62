/**
 * How a stored file is served back: always as an attachment, never rendered by the browser from the bucket's origin,
 * and with a content type that no browser runs. A client's declared `text/html` or `image/svg+xml` would otherwise
 * come back as a page, with its scripts, on a URL the application handed out (stored cross-site scripting).
 */

/** The response headers of a download. */
export interface DownloadHeaders {
  readonly contentType: string;
  readonly contentDisposition: string;
}

/** What is served for any type not in {@link INERT_CONTENT_TYPES}: bytes to save, which a browser does not open. */
export const OPAQUE_CONTENT_TYPE = 'application/octet-stream';

/** Declared types served as they are: formats a browser shows without running anything or hands to a viewer. */
const INERT_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/pdf',
  'application/json',
  'application/zip',
  'text/plain',
  'text/csv',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  OPAQUE_CONTENT_TYPE,
]);

/** The headers to serve a file with, from the name and type its owner gave it. */
export function downloadHeaders(filename: string, declaredContentType: string): DownloadHeaders {
  return {
    contentType: downloadContentType(declaredContentType),
    contentDisposition: attachmentDisposition(filename),
  };
}

/** The declared type when it is inert, `application/octet-stream` otherwise (media types are case-insensitive). */
export function downloadContentType(declaredContentType: string): string {
  const type = declaredContentType.trim().toLowerCase();
  return INERT_CONTENT_TYPES.has(type) ? type : OPAQUE_CONTENT_TYPE;
}

/**
 * `Content-Disposition: attachment` naming the file (RFC 6266): an ASCII fallback, and the UTF-8 name
 * percent-encoded in `filename*` (RFC 8187) so accents and spaces survive.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
