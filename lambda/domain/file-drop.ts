import * as z from 'zod/mini';
import { FileTooLargeError, ValidationError } from './errors.ts';
import { ACCEPTED_CONTENT_TYPES, type AcceptedContentType } from './file-inspection.ts';
import { fieldErrors, parseJsonBody } from './json-input.ts';
import { FILENAME_PATTERN } from './order.ts';
import './zod-locale.ts';

/**
 * Largest file the drop accepts: 100 MiB. The processor reads each file once as a stream, so memory is not the
 * bound; time is. At 100 MiB one read, hash and check plus one server-side copy finish well inside the processor's
 * timeout, and 100 MB is where AWS advises switching to multipart uploads. Bigger data sets belong in a batch job.
 */
export const MAX_FILE_BYTES = 100 * 1_048_576;

/**
 * Longest file name, in UTF-8 bytes (as most file systems count it). With the longest prefix,
 * `quarantine/{uuid}/`, a key stays far below S3's 1,024-byte limit.
 */
export const MAX_FILENAME_BYTES = 255;

/** Part size of multipart uploads: S3's minimum is 5 MiB (except the last part); 8 MiB is the AWS CLI's default. */
export const MULTIPART_PART_BYTES = 8 * 1_048_576;

/** The file name extension each content type must have, so the file opens in the right application. */
const EXTENSIONS: Readonly<Record<AcceptedContentType, readonly string[]>> = {
  'application/pdf': ['.pdf'],
  'text/csv': ['.csv'],
  'application/json': ['.json'],
};

const FILE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The body of `POST /files`: what the client is about to upload. */
export const uploadRequestSchema = z.strictObject({
  filename: z
    .string()
    .check(
      z.regex(FILENAME_PATTERN, 'A file name, 1 to 255 characters, without "/", "\\" or control characters.'),
    ),
  contentType: z.enum(ACCEPTED_CONTENT_TYPES, {
    error: `One of ${ACCEPTED_CONTENT_TYPES.join(', ')}.`,
  }),
  size: z.int().check(z.minimum(1, 'At least 1 byte.')),
  /** Ask for a multipart upload: parts of 8 MiB, each with its own URL, then one completion request. */
  multipart: z.optional(z.boolean()),
});

export type UploadRequest = z.infer<typeof uploadRequestSchema>;

// Marked pure, as in order.ts: the functions' bundles drop it.
/** The upload request as JSON Schema draft 4 for the API Gateway model; the size limit is checked in code (413). */
export const uploadRequestJsonSchema = /* @__PURE__ */ z.toJSONSchema(uploadRequestSchema, {
  target: 'draft-4',
});

/** Parses and checks `POST /files`: schema errors are a `ValidationError`, a size over the limit a `FileTooLargeError`. */
export function parseUploadRequest(body: string | null | undefined): UploadRequest {
  const result = uploadRequestSchema.safeParse(
    parseJsonBody(body, 'a JSON object with filename, contentType and size'),
  );
  if (!result.success) {
    throw new ValidationError('The upload request is not valid.', fieldErrors(result.error));
  }
  const request = result.data;
  const errors = [];
  if (Buffer.byteLength(request.filename, 'utf8') > MAX_FILENAME_BYTES) {
    errors.push({ pointer: '#/filename', detail: `At most ${MAX_FILENAME_BYTES} bytes in UTF-8.` });
  }
  const extensions = EXTENSIONS[request.contentType];
  if (!extensions.some((extension) => request.filename.toLowerCase().endsWith(extension))) {
    errors.push({
      pointer: '#/filename',
      detail: `A ${request.contentType} file's name ends with ${extensions.join(' or ')}.`,
    });
  }
  if (errors.length > 0) {
    throw new ValidationError('The upload request is not valid.', errors);
  }
  if (request.size > MAX_FILE_BYTES) {
    throw new FileTooLargeError(request.size, MAX_FILE_BYTES);
  }
  return request;
}

/** A file id from a path, or a `ValidationError` when it cannot be one (file ids are UUIDs). */
export function requireFileId(value: string | undefined): string {
  if (value === undefined || !FILE_ID_PATTERN.test(value)) {
    throw new ValidationError('The file id is not valid.', [
      { pointer: '#/fileId', detail: 'A file id as returned by POST /files (a lowercase UUID).' },
    ]);
  }
  return value;
}

/** Where a file is in the drop: waiting for its upload, then accepted or quarantined. */
export type FileStatus = 'AWAITING_UPLOAD' | 'PROCESSED' | 'REJECTED';

/** What the drop knows about one file. */
export interface FileRecord {
  readonly fileId: string;
  readonly status: FileStatus;
  readonly filename: string;
  readonly contentType: AcceptedContentType;
  /** The size the client declared, which the upload URL is bound to. */
  readonly declaredSize: number;
  readonly createdAt: string;
  /** When the upload URLs stop working. */
  readonly uploadExpiresAt: string;
  /** The multipart upload's id, when the client asked for one. */
  readonly uploadId?: string;
  /** Measured by the processor. */
  readonly sizeBytes?: number;
  readonly sha256?: string;
  /** Where the file is now: `processed/...` or `quarantine/...`. */
  readonly objectKey?: string;
  /** Why a file was rejected. */
  readonly reason?: string;
  readonly processedAt?: string;
}

/** The outcome the processor records. */
export interface FileOutcome {
  readonly status: 'PROCESSED' | 'REJECTED';
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly objectKey: string;
  readonly reason?: string;
  readonly processedAt: string;
}

/** Where file records are kept. */
export interface FileStore {
  create(record: FileRecord): Promise<void>;
  find(fileId: string): Promise<FileRecord | undefined>;
  /** Records the outcome if the file still awaits it; false when another delivery recorded one first. */
  complete(fileId: string, outcome: FileOutcome): Promise<boolean>;
}

/** The drop's three areas: uploads land in `incoming/`, then move to `processed/` or `quarantine/`. */
export type FileArea = 'incoming' | 'processed' | 'quarantine';

/** The object key of a file in an area: `{area}/{fileId}/{filename}`. */
export function fileKey(area: FileArea, fileId: string, filename: string): string {
  return `${area}/${fileId}/${filename}`;
}

/** The file id and name of an `incoming/` key, or undefined for a key the drop did not hand out. */
export function parseIncomingKey(key: string): { fileId: string; filename: string } | undefined {
  const match = /^incoming\/([^/]+)\/([^/]+)$/.exec(key);
  if (!match?.[1] || !match[2] || !FILE_ID_PATTERN.test(match[1])) {
    return undefined;
  }
  return { fileId: match[1], filename: match[2] };
}

/**
 * The object key of an S3 event record. S3 URL-encodes keys in events the way HTML forms do: a space arrives as
 * `+`, a `+` as `%2B`, so `+` must become a space before percent-decoding.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '));
}

/** How long a single-PUT upload URL works: S3 checks expiry when the upload starts, so minutes are enough. */
export const UPLOAD_URL_SECONDS = 300;
/** How long multipart URLs work: every part must start before then, so a little longer. */
export const MULTIPART_URL_SECONDS = 900;
/** How long a download link works. */
export const DOWNLOAD_URL_SECONDS = 900;
