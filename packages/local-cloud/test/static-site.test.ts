import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticSite } from '../src/static-site.ts';

let root: string;
let server: http.Server;
let base: string;
let outputs: unknown;

/** A raw request, so paths reach the server exactly as written (fetch would normalize `..`). */
function request(
  rawPath: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        path: rawPath,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${port}` },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'static-site-'));
  const site = path.join(root, 'site');
  await mkdir(path.join(site, 'js'), { recursive: true });
  await mkdir(path.join(root, 'results'));
  await writeFile(path.join(site, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(path.join(site, 'js', 'app.js'), 'export const app = 1;');
  await writeFile(path.join(site, 'style.css'), 'body { color: black; }');
  await writeFile(path.join(site, 'a file.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(path.join(site, 'data.bin'), 'bytes');
  await writeFile(path.join(site, '.env'), 'SECRET=1');
  await writeFile(path.join(root, 'secret.txt'), 'outside the folder');
  await writeFile(path.join(root, 'results', 'results.json'), '{"patterns":[]}');
  await symlink(path.join(root, 'secret.txt'), path.join(site, 'link.txt'));
  const staticSite = new StaticSite({
    mounts: [
      { urlPrefix: '/_console/', directory: site },
      { urlPrefix: '/_console/results/', directory: path.join(root, 'results') },
    ],
    documents: { '/_local/outputs.json': () => outputs },
    home: '/_console/',
  });
  server = http.createServer((incoming, response) => {
    const { pathname } = new URL(incoming.url ?? '/', 'http://localhost');
    if (!staticSite.owns(pathname)) {
      response.writeHead(418).end();
      return;
    }
    void staticSite.serve(incoming, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('static site beside the APIs', () => {
  it('serves files with their content types, and index.html for a folder', async () => {
    const cases: Array<[string, string, string]> = [
      ['/_console/', 'text/html; charset=utf-8', '<!doctype html><title>console</title>'],
      ['/_console/index.html', 'text/html; charset=utf-8', '<!doctype html><title>console</title>'],
      ['/_console/js/app.js', 'text/javascript; charset=utf-8', 'export const app = 1;'],
      ['/_console/style.css', 'text/css; charset=utf-8', 'body { color: black; }'],
      ['/_console/a%20file.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
      ['/_console/data.bin', 'application/octet-stream', 'bytes'],
      ['/_console/results/results.json', 'application/json; charset=utf-8', '{"patterns":[]}'],
    ];
    for (const [url, contentType, body] of cases) {
      const response = await fetch(`${base}${url}`);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(contentType);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text(), url).toBe(body);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await request('/_console/js/app.js', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers['content-length']).toBe(String('export const app = 1;'.length));
    expect(response.body).toBe('');
  });

  it('redirects / to the home page and a folder without its slash to the folder', async () => {
    const home = await fetch(`${base}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/_console/');
    const bare = await fetch(`${base}/_console?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/_console/?x=1');
    const folder = await fetch(`${base}/_console/js`, { redirect: 'manual' });
    expect(folder.status).toBe(301);
    expect(folder.headers.get('location')).toBe('/_console/js/');
  });

  it('answers 404 for missing files and for a folder without index.html', async () => {
    for (const url of ['/_console/missing.js', '/_console/js/', '/_console/js/app.js/x']) {
      const response = await request(url);
      expect(response.status, url).toBe(404);
      expect(response.body).toBe('Not found');
    }
  });

  it('refuses paths that leave the folder, dot files and symbolic links leading out', async () => {
    // `..` and `%2e%2e` segments are resolved as URLs are, to a path outside the site: the APIs get it (418 here).
    for (const url of ['/_console/../secret.txt', '/_console/%2e%2e/secret.txt', '/_console/%2E%2E/../x']) {
      expect((await request(url)).status, url).toBe(418);
    }
    for (const url of [
      '/_console/js/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/_console/..%5csecret.txt',
      '/_console/%2e%2e%5csecret.txt',
      '/_console/.env',
      '/_console/link.txt',
      '/_console/index.html%00.js',
      '/_console/%E0%A4%A',
    ]) {
      const response = await request(url);
      expect(response.status, url).toBe(404);
      expect(response.body).not.toContain('outside the folder');
      expect(response.body).not.toContain('SECRET');
    }
  });

  it('answers GET and HEAD only', async () => {
    const response = await request('/_console/index.html', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
  });

  it('refuses requests addressed to a host name other than a loopback one', async () => {
    const rebound = await request('/_console/index.html', { host: 'attacker.example:4010' });
    expect(rebound.status).toBe(403);
    outputs = { Stack: { ApiKey: 'secret-key' } };
    const document = await request('/_local/outputs.json', { host: 'attacker.example' });
    expect(document.status).toBe(403);
    expect(document.body).not.toContain('secret-key');
    for (const host of ['localhost:4010', '127.0.0.1', '[::1]:4010']) {
      expect((await request('/_console/index.html', { host })).status, host).toBe(200);
    }
  });

  it('serves documents as JSON that no cache keeps, and 404 while a document has no value', async () => {
    outputs = undefined;
    expect((await fetch(`${base}/_local/outputs.json`)).status).toBe(404);
    outputs = { Stack: { ApiUrl: 'http://127.0.0.1:4010/abc/prod/' } };
    const response = await fetch(`${base}/_local/outputs.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(outputs);
  });

  it('owns only its own paths, never an API id’s', () => {
    const site = new StaticSite({ mounts: [{ urlPrefix: '/_console/', directory: root }] });
    expect(site.owns('/_console/')).toBe(true);
    expect(site.owns('/_console')).toBe(true);
    expect(site.owns('/abc123/prod/orders')).toBe(false);
    expect(site.owns('/_consoles/x')).toBe(false);
    expect(site.owns('/')).toBe(false);
    expect(() => new StaticSite({ mounts: [{ urlPrefix: '/console/', directory: root }] })).toThrow(/\/_/);
  });
});
