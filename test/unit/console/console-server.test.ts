import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleServer } from '../../../scripts/console.ts';

let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  server = await startConsoleServer(0);
});

afterAll(async () => {
  await server.close();
});

describe('npm run console (the console without a local cloud)', () => {
  it('serves the page, its modules and the benchmark results on 127.0.0.1', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_console\/$/);
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="js/app.js"></script>');
    const module = await fetch(new URL('js/app.js', server.url));
    expect(module.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const results = await fetch(new URL('bench-results/results.json', server.url));
    expect(await results.json()).toEqual(JSON.parse(await readFile('bench-results/results.json', 'utf8')));
  });

  it('has no outputs to hand out and no API behind it: the page asks for a stack', async () => {
    const origin = new URL(server.url).origin;
    expect((await fetch(`${origin}/_local-cloud/outputs.json`)).status).toBe(404);
    expect((await fetch(`${origin}/abc123/prod/sync/orders`)).status).toBe(404);
    const home = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(home.headers.get('location')).toBe('/_console/');
  });
});
