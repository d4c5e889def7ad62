import { createReadStream, type ReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { requestUrl } from './apigateway/request-url.ts';

/** A folder served under a URL prefix. */
export interface StaticMount {
  /** Starts with `/_` (no API id does) and ends with `/`, e.g. `/_console/`. */
  readonly urlPrefix: string;
  readonly directory: string;
}

export interface StaticSiteOptions {
  /** Folders by URL prefix; the longest matching prefix serves a path. */
  readonly mounts: readonly StaticMount[];
  /** JSON documents made at each request, by exact path; a getter answering `undefined` means 404. */
  readonly documents?: Readonly<Record<string, () => unknown>>;
  /** Where `GET /` redirects. @default `/` is not the site's */
  readonly home?: string;
}

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

// The server listens on 127.0.0.1 only; a request naming another host reached it through a name rebound to
// 127.0.0.1 by some web page, which must not read what is served here (the local API key among it).
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' } as const;

/**
 * Static files and small JSON documents served beside the APIs, on paths no API id can take (`/_console/`).
 * GET and HEAD only; paths are decoded once and must stay inside their folder (no `..`, no dot files, no
 * symbolic link leading out); only requests addressed to a loopback host name are answered.
 */
export class StaticSite {
  private readonly mounts: readonly StaticMount[];

  constructor(private readonly options: StaticSiteOptions) {
    for (const mount of options.mounts) {
      if (!/^\/_[^/]*\/(?:.*\/)?$/.test(mount.urlPrefix)) {
        throw new Error(`A static mount's URL prefix starts with /_ and ends with /; got ${mount.urlPrefix}`);
      }
    }
    this.mounts = [...options.mounts].sort((a, b) => b.urlPrefix.length - a.urlPrefix.length);
  }

  /** Whether a request path is the site's rather than an API's. */
  owns(pathname: string): boolean {
    return (
      (pathname === '/' && this.options.home !== undefined) ||
      Object.hasOwn(this.options.documents ?? {}, pathname) ||
      this.mounts.some((mount) => pathname.startsWith(mount.urlPrefix) || `${pathname}/` === mount.urlPrefix)
    );
  }

  async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    request.resume();
    const answer = await this.answer(request).catch(
      (): Answer => ({ status: 500, headers: {}, body: 'Internal error' }),
    );
    response.writeHead(answer.status, {
      ...COMMON_HEADERS,
      ...(typeof answer.body === 'string' ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}),
      ...answer.headers,
    });
    if (request.method === 'HEAD' || answer.body === undefined) {
      if (answer.body && typeof answer.body !== 'string' && !Buffer.isBuffer(answer.body)) {
        (answer.body as ReadStream).destroy();
      }
      response.end();
    } else if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) {
      response.end(answer.body);
    } else {
      // A file that goes away while it is read ends the response early rather than the process.
      answer.body.once('error', () => response.destroy());
      answer.body.pipe(response);
    }
  }

  private async answer(request: http.IncomingMessage): Promise<Answer> {
    if (!LOOPBACK_HOST.test(request.headers.host ?? '')) {
      return { status: 403, headers: {}, body: 'Forbidden: this server answers loopback host names only' };
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, headers: { Allow: 'GET, HEAD' }, body: 'Method not allowed' };
    }
    const url = requestUrl(request.url);
    if (!url) {
      return { status: 400, headers: {}, body: 'Bad request' };
    }
    const { pathname } = url;
    if (pathname === '/' && this.options.home !== undefined) {
      return { status: 302, headers: { Location: this.options.home }, body: undefined };
    }
    const document = this.options.documents?.[pathname];
    if (document) {
      const value = document();
      return value === undefined
        ? notFound()
        : {
            status: 200,
            // Documents can hold secrets (the local API key): never kept by a cache.
            headers: { 'Content-Type': CONTENT_TYPES['.json'] as string, 'Cache-Control': 'no-store' },
            body: Buffer.from(`${JSON.stringify(value, null, 2)}\n`),
          };
    }
    const mount = this.mounts.find((candidate) => pathname.startsWith(candidate.urlPrefix));
    if (!mount) {
      // `/_console` without its slash: relative URLs in the page need it.
      return { status: 301, headers: { Location: `${pathname}/${url.search}` }, body: undefined };
    }
    const file = await this.resolve(mount, pathname.slice(mount.urlPrefix.length));
    if (!file) {
      return notFound();
    }
    if (file.directory) {
      return pathname.endsWith('/')
        ? this.fileAnswer(path.join(file.path, 'index.html'))
        : { status: 301, headers: { Location: `${pathname}/${url.search}` }, body: undefined };
    }
    return this.fileAnswer(file.path);
  }

  /** The file a path names inside a mount, or undefined when it does not exist or would leave the folder. */
  private async resolve(
    mount: StaticMount,
    relative: string,
  ): Promise<{ path: string; directory: boolean } | undefined> {
    const segments: string[] = [];
    for (const raw of relative.split('/').filter((segment) => segment !== '')) {
      let segment: string;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      // `..`, `.`, dot files, and separators or NUL smuggled in by percent-encoding.
      if (segment.startsWith('.') || /[/\\\0]/.test(segment)) {
        return undefined;
      }
      segments.push(segment);
    }
    try {
      const root = await realpath(mount.directory);
      const real = await realpath(path.join(root, ...segments));
      if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
        return undefined;
      }
      return { path: real, directory: (await stat(real)).isDirectory() };
    } catch {
      return undefined;
    }
  }

  private async fileAnswer(file: string): Promise<Answer> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      return notFound();
    }
    return {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(info.size),
        // Edited files show on the next load.
        'Cache-Control': 'no-cache',
      },
      body: createReadStream(file),
    };
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer | ReadStream | undefined;
}

function notFound(): Answer {
  return { status: 404, headers: {}, body: 'Not found' };
}
