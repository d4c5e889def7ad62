import { constants } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSOLE_PATH } from '../../dev/console-site.ts';
import { DEFAULT_CONSOLE_PORT, startConsoleServer } from '../../scripts/console.ts';
import { pdfText } from '../helpers/pdf.ts';
import { STATE_DIRECTORY } from './global-setup.ts';

/** axe-core's browser build, evaluated in the page for the accessibility check. */
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** What axe-core found, rule by rule, with the elements each finding is about. */
interface AxeFindings {
  readonly violations: ReadonlyArray<{ id: string; help: string; targets: string[] }>;
  readonly incomplete: ReadonlyArray<{ id: string; help: string; targets: string[] }>;
  readonly passes: readonly string[];
}

/** Debian's Chromium (`apt-get install chromium`); CI installs it. No browser is downloaded. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium dials out on start (updates, sync), which a closed network
// answers by refusing its connections.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * How long one browser step (start, navigation, a wait for the page to show something) may take: a safety net for a
 * machine busy with other work, not an expected time; each wait ends as soon as its condition holds.
 */
const STEP_DEADLINE_MS = 120_000;
/** Where the test leaves what a person looks at after a run (git-ignored, with the rest of the e2e state). */
const ARTIFACTS = path.join(STATE_DIRECTORY, 'artifacts');
const PDF = path.resolve('examples/invoice.pdf');

let browser: Browser;
let page: Page;
let standalone: { url: string; close(): Promise<void> } | undefined;
/** Why the console cannot reach this target, if it cannot. */
let unreachable: string | undefined;
const pageErrors: string[] = [];

/** A pattern's card, by its heading. */
const card = (name: RegExp): Locator => page.getByRole('region', { name });

/** Waits until a card's status reads `status` (or a failure), and returns what it reads. */
async function statusOf(region: Locator, wanted: string): Promise<string> {
  const badge = region.locator('.status .badge');
  await badge.filter({ hasText: new RegExp(`^(${wanted}|ERROR|FAILED|REJECTED)$`) }).waitFor();
  return (await badge.textContent()) ?? '';
}

async function logOf(region: Locator): Promise<string[]> {
  return region.locator('.log li').allTextContents();
}

beforeAll(async () => {
  const target = inject('target');
  let consoleUrl: string;
  if (target.name === 'local') {
    // The local cloud serves the console on its API port: same origin as the API, no CORS involved.
    consoleUrl = new URL(CONSOLE_PATH, target.apiUrl).href;
  } else {
    // A deployed stack: the console from `npm run console`, calling the API across origins.
    standalone = await startConsoleServer(DEFAULT_CONSOLE_PORT);
    consoleUrl = standalone.url;
    const origin = new URL(consoleUrl).origin;
    const preflight = await fetch(new URL('push/tickets', target.apiUrl), {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
    });
    if (preflight.headers.get('access-control-allow-origin') !== origin) {
      unreachable = `the stack does not allow the console's origin ${origin}: deploy it with -c consoleOrigin=${origin}`;
    }
  }
  await access(CHROMIUM_PATH, constants.X_OK).catch(() => {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH to one`);
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: STEP_DEADLINE_MS,
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(STEP_DEADLINE_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // Chromium logs every 4xx the page reads as an error; those the cards expect (a view not projected yet)
    // are not faults. Server errors are caught below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(message.text());
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 500 || response.status() === 403) {
      pageErrors.push(
        `${response.status()} from ${response.request().method()} ${new URL(response.url()).pathname}`,
      );
    }
  });
  await page.goto(consoleUrl);
  if (target.name !== 'local' && !unreachable) {
    await page.getByText('Use another stack').click();
    await page.getByLabel('API URL').fill(target.apiUrl);
    await page.getByLabel('API key').fill(target.apiKey);
    await page.getByRole('button', { name: 'Connect' }).click();
  }
}, 3 * STEP_DEADLINE_MS);

afterAll(async () => {
  await browser?.close();
  await standalone?.close();
});

describe('the browser console', { timeout: 3 * STEP_DEADLINE_MS }, () => {
  it('shows a card per pattern with its flow, connected to the stack and its WebSocket', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    await page.locator('#connection-status', { hasText: 'WebSocket open' }).waitFor();
    const titles = await page.locator('.card h2').allTextContents();
    expect(titles.map((title) => title.replace(/^\d+\s+/, ''))).toEqual([
      'API payload (synchronous)',
      'Message queue (async HTTP)',
      'Message stream (Kinesis)',
      'File drop (S3)',
      'Shared database (DynamoDB)',
      'Publish/subscribe (SNS)',
      'CQRS (event log and views)',
      'Real-time push (WebSocket)',
    ]);
    for (const flow of await page.locator('.card .flow').all()) {
      expect(await flow.locator('li').count()).toBeGreaterThanOrEqual(4);
    }
    expect(await statusOf(card(/Real-time push/), 'CONNECTED')).toBe('CONNECTED');
  });

  it('labels every form control, so each can be reached and named by keyboard and screen reader', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    // Evaluated in the page (the test's own types know no DOM).
    const unlabelled = await page.evaluate<string[]>(
      "[...document.querySelectorAll('input, select, textarea')].filter((c) => c.labels.length === 0).map((c) => c.outerHTML)",
    );
    expect(unlabelled).toEqual([]);
  });

  it('sends an order through the queue from the keyboard and shows DONE, pushed over the WebSocket', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    const queue = card(/Message queue/);
    const orderId = await queue.getByLabel('Order id').inputValue();
    const sentAt = performance.now();
    await queue.getByRole('button', { name: 'Send order' }).press('Enter');
    expect(await statusOf(queue, 'DONE')).toBe('DONE');
    console.log(
      `console: the queue card showed DONE ${Math.round(performance.now() - sentAt)} ms after Enter`,
    );
    const log = await logOf(queue);
    expect(log.some((line) => line.includes(`subscribed to ${orderId} over the WebSocket`))).toBe(true);
    for (const status of ['QUEUED', 'PROCESSING', 'DONE']) {
      expect(
        log.some((line) => line.includes(`pushed ${status} over the WebSocket`)),
        status,
      ).toBe(true);
    }
    const receipt = queue.getByRole('link', { name: /receipt PDF/ });
    const bytes = new Uint8Array(
      await (await fetch((await receipt.getAttribute('href')) ?? '')).arrayBuffer(),
    );
    expect((await pdfText(bytes)).join(' ')).toContain(orderId);
    expect(await queue.locator('.flow li[aria-current="step"]').textContent()).toContain('Receipt PDF');
  });

  it('uploads a PDF straight to S3 and shows it PROCESSED, with a download of the same bytes', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    const drop = card(/File drop/);
    await drop.getByLabel('File (PDF, CSV or JSON)').setInputFiles(PDF);
    const sentAt = performance.now();
    await drop.getByRole('button', { name: 'Upload file' }).click();
    expect(await statusOf(drop, 'PROCESSED')).toBe('PROCESSED');
    console.log(
      `console: the file card showed PROCESSED ${Math.round(performance.now() - sentAt)} ms after the click`,
    );
    expect((await logOf(drop)).some((line) => line.includes('pushed PROCESSED over the WebSocket'))).toBe(
      true,
    );
    const download = drop.getByRole('link', { name: /invoice\.pdf/ });
    const downloaded = Buffer.from(
      await (await fetch((await download.getAttribute('href')) ?? '')).arrayBuffer(),
    );
    expect(downloaded.equals(await readFile(PDF))).toBe(true);
  });

  it('meets WCAG 2 A and AA by axe-core, colour contrast included, with the statuses the flows above left on it', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    await page.locator('#connection-status', { hasText: 'WebSocket open' }).waitFor();
    // Evaluated over the DevTools protocol, which the page's Content-Security-Policy (script-src 'self') does not
    // govern: a script tag would be refused, as it should be.
    await page.evaluate(await readFile(AXE_SCRIPT, 'utf8'));
    // Evaluated in the page (the test's own types know no DOM): the rules tagged wcag2a and wcag2aa.
    const results = await page.evaluate<AxeFindings>(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }).then((results) => {
        const findings = (list) => list.map((rule) => ({
          id: rule.id,
          help: rule.help,
          targets: rule.nodes.map((node) => node.target.join(' ')),
        }));
        return { violations: findings(results.violations), incomplete: findings(results.incomplete), passes: results.passes.map((rule) => rule.id) };
      })`,
    );
    expect(results.violations).toEqual([]);
    // A rule axe could not decide (a colour over an image, say) is not a pass either.
    expect(results.incomplete).toEqual([]);
    expect(results.passes).toContain('color-contrast');
  });

  it('shows the latest benchmark figures for every pattern', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    const rows = page.locator('#bench tbody tr');
    await rows.first().waitFor();
    const results = JSON.parse(await readFile('bench-results/results.json', 'utf8')) as {
      patterns: Array<{ name: string; visible: { p50: number } }>;
    };
    expect(await rows.count()).toBe(results.patterns.length);
    const first = results.patterns[0];
    expect(await rows.first().locator('th').textContent()).toBe(first?.name);
    expect(await rows.first().locator('td').nth(1).textContent()).toBe(
      `${Math.round(first?.visible.p50 ?? 0)} ms`,
    );
  });

  it('leaves a screenshot of the page, and no script error or refused request on it', async (context) => {
    context.skip(unreachable !== undefined, unreachable);
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'console.png');
    await page.screenshot({ path: file, fullPage: true });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });
});
