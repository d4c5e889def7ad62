import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPortFree } from '@serverless-data-sharing/local-cloud';
import { describe, expect, it } from 'vitest';
import { CliProcess } from '../../dev/cli-process.ts';
import { TEST_ASSEMBLY_DIRECTORY } from '../helpers/test-assembly.ts';
import { targetName } from './target.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** The line `npm start` prints once everything it started is ready. */
const READY_LINE = 'Ctrl-C stops everything';
/** A safety net against a start that hangs, not an expected start time. */
const START_DEADLINE_MS = 240_000;

// Local cloud only: it tests `npm start` itself, which LocalStack and AWS do not run.
describe.runIf(targetName() === 'local')('npm start (the local cloud command)', () => {
  it('serves the API and the console, and on Ctrl-C stops everything it started, DynamoDB Local included', {
    timeout: START_DEADLINE_MS + 60_000,
  }, async () => {
    const state = await mkdtemp(path.join(tmpdir(), 'local-cloud-cli-'));
    const cli = new CliProcess(PROJECT_ROOT, [
      '--no-synth',
      '--assembly',
      TEST_ASSEMBLY_DIRECTORY,
      '--state',
      state,
      '--port',
      '0',
    ]);
    let stopped = false;
    try {
      // Ready when it says so; an exit before that is the failure to report (with what it printed). The deadline
      // only keeps a hung start from hanging the suite: it is far above any start, on a busy machine too.
      await cli.waitFor(new RegExp(READY_LINE), { timeoutMs: START_DEADLINE_MS });
      const output = cli.text;
      const outputs = JSON.parse(await readFile(path.join(state, 'outputs.json'), 'utf8')).DataSharingStack;
      const dynamoDbPort = Number(/DynamoDB Local listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const apiPort = Number(new URL(outputs.ApiUrl).port);
      const response = await fetch(`${outputs.ApiUrl}sync/orders/none`, {
        headers: { 'x-api-key': outputs.ApiKey },
      });
      expect(response.status).toBe(404);
      expect(await isPortFree(dynamoDbPort)).toBe(false);
      // The console, on the API port.
      expect(output).toContain(`Console: http://127.0.0.1:${apiPort}/_console/`);
      const page = await fetch(`http://127.0.0.1:${apiPort}/_console/`);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<script type="module" src="js/app.js"></script>');

      stopped = true;
      expect(await cli.interrupt()).toBe(0);
      expect(await isPortFree(apiPort)).toBe(true);
      expect(await isPortFree(dynamoDbPort)).toBe(true);
    } finally {
      // After a failure too, Ctrl-C first, so that it stops the emulators it started; SIGKILL only if that hangs.
      if (!stopped) {
        await Promise.race([cli.interrupt(), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      }
      cli.kill();
      await rm(state, { recursive: true, force: true });
    }
  });
});
