import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../../dev/cli-process.ts';
import { copyProject, type ProjectCopy } from '../../dev/project-copy.ts';
import { TEST_ASSEMBLY_DIRECTORY } from '../helpers/test-assembly.ts';
import { targetName } from './target.ts';

interface Api {
  readonly url: string;
  readonly key: string;
}

/** Edits a file of the copy: replaces `from` (which must be there) with `to`. */
async function edit(project: ProjectCopy, file: string, from: string, to: string): Promise<void> {
  const absolute = path.join(project.root, file);
  const text = await readFile(absolute, 'utf8');
  expect(text, `${file} holds the text the test edits`).toContain(from);
  await writeFile(absolute, text.replace(from, to));
}

async function getJson(api: Api, route: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api.url}${route}`, { headers: { 'x-api-key': api.key } });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The entries whose cached bundle read `file`, from the copy's bundle cache: what a reload must rebuild. */
async function entriesReading(project: ProjectCopy, file: string): Promise<string[]> {
  const manifest = JSON.parse(
    await readFile(path.join(project.root, '.cache', 'function-bundles', 'manifest.json'), 'utf8'),
  ) as { bundles: Record<string, { inputs: Record<string, string> }> };
  return Object.entries(manifest.bundles)
    .filter(([, bundle]) => file in bundle.inputs)
    .map(([name]) => name);
}

// Local cloud only: watch mode is a feature of `npm start`. It runs on a copy of the project, which it edits.
/**
 * A reload rebuilds bundles and a construct edit synthesizes the app: seconds on a quiet machine, a minute or more on
 * a saturated one. The waits end on the CLI's own lines; this is only the net under a hung process.
 */
const WATCH_STEP_TIMEOUT_MS = 240_000;

describe.runIf(targetName() === 'local')('npm start -- --watch', () => {
  let project: ProjectCopy;
  let cli: CliProcess;
  let api: Api;

  beforeAll(async () => {
    project = await copyProject({ assemblyDirectory: TEST_ASSEMBLY_DIRECTORY });
    cli = new CliProcess(project.root, ['--watch', '--port', '0', '--quiet']);
    await cli.waitFor(/Watching /, { timeoutMs: WATCH_STEP_TIMEOUT_MS });
    const outputs = JSON.parse(
      await readFile(path.join(project.root, '.local-cloud', 'outputs.json'), 'utf8'),
    ).DataSharingStack as Record<string, string>;
    api = { url: outputs.ApiUrl as string, key: outputs.ApiKey as string };
  }, 240_000);

  afterAll(async () => {
    if (cli) {
      expect(await cli.interrupt()).toBe(0);
      cli.kill();
    }
    await project?.remove();
  }, 60_000);

  it(
    'runs an edited handler on the next request, rebuilding that function alone',
    async () => {
      expect((await getJson(api, 'sync/orders/watch-1')).body.detail).toBe(
        'No order watch-1 has been recorded.',
      );
      const from = cli.text.length;
      const edited = performance.now();

      await edit(
        project,
        'lambda/api-payload/get-order.ts',
        'throw new OrderNotFoundError(orderId);',
        'throw new OrderNotFoundError(`${orderId} (edited handler)`);',
      );
      const [line] = await cli.waitFor(/Reloaded 1 function\(s\) in .*\n/, { from });
      const answer = await getJson(api, 'sync/orders/watch-1');
      console.log(
        `handler edit: new code answered ${Math.round(performance.now() - edited)} ms after the write`,
      );

      expect(answer.body.detail).toBe('No order watch-1 (edited handler) has been recorded.');
      expect(line).toContain('rebuilt 1 bundle(s)');
    },
    WATCH_STEP_TIMEOUT_MS,
  );

  it(
    'rebuilds exactly the functions whose bundles read an edited domain file, and they run the new rule',
    async () => {
      const file = 'lambda/domain/errors.ts';
      const affected = await entriesReading(project, file);
      const from = cli.text.length;

      await edit(project, file, 'has been recorded.`', 'is on record.`');
      const [line] = await cli.waitFor(/Reloaded \d+ function\(s\) in .*\n/, { from });

      expect(line).toContain(`rebuilt ${affected.length} bundle(s)`);
      expect(affected).toContain('lambda/api-payload/get-order');
      expect((await getJson(api, 'sync/orders/watch-2')).body.detail).toBe(
        'No order watch-2 (edited handler) is on record.',
      );
      // The domain file also shapes the template (request models): the app is synthesized again and applied.
      await cli.waitFor(/Applied in .*\n|Not applied/, { from });
      expect(cli.text.slice(from)).not.toContain('Not applied');
    },
    WATCH_STEP_TIMEOUT_MS,
  );

  it(
    'applies a construct edit (a new route) to what runs, keeping the data of unchanged tables',
    async () => {
      const created = await fetch(`${api.url}sync/orders`, {
        method: 'POST',
        headers: { 'x-api-key': api.key, 'content-type': 'application/json' },
        body: await readFile(path.join(project.root, 'examples', 'order.json'), 'utf8'),
      });
      expect(created.status).toBe(201);
      const order = (await created.json()) as { orderId: string };
      expect((await getJson(api, `sync/orders-by-id/${order.orderId}`)).status).not.toBe(200);
      const from = cli.text.length;

      await edit(
        project,
        'lib/patterns/api-payload.ts',
        "props.api.addLambdaRoute('GET', '/sync/orders/{orderId}', getOrder.function);",
        "props.api.addLambdaRoute('GET', '/sync/orders/{orderId}', getOrder.function);\n    props.api.addLambdaRoute('GET', '/sync/orders-by-id/{orderId}', getOrder.function);",
      );
      const [line] = await cli.waitFor(/Applied in .*\n|Not applied[\s\S]*/, { from });

      expect(line).toMatch(/^Applied in /);
      const viaNewRoute = await getJson(api, `sync/orders-by-id/${order.orderId}`);
      expect(viaNewRoute.status).toBe(200);
      expect(viaNewRoute.body.orderId).toBe(order.orderId);
    },
    WATCH_STEP_TIMEOUT_MS,
  );

  it(
    'reports an edit that does not compile, keeps the previous code serving, and reloads once it is fixed',
    async () => {
      const file = 'lambda/api-payload/get-order.ts';
      const from = cli.text.length;

      await edit(
        project,
        file,
        'const order = await store.find(orderId);',
        'const order = await store.find(orderId;',
      );
      await cli.waitFor(/Not reloaded; the previous code keeps serving\.\n[\s\S]*?get-order\.ts:\d+:\d+: /, {
        from,
      });
      expect((await getJson(api, 'sync/orders/watch-3')).body.detail).toBe(
        'No order watch-3 (edited handler) is on record.',
      );

      const fixedFrom = cli.text.length;
      await edit(
        project,
        file,
        'const order = await store.find(orderId;',
        'const order = await store.find(orderId);',
      );
      await cli.waitFor(/Reloaded 1 function\(s\)/, { from: fixedFrom });
      expect((await getJson(api, 'sync/orders/watch-3')).status).toBe(404);
    },
    WATCH_STEP_TIMEOUT_MS,
  );
});
