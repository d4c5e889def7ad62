// `npm start`: this project on the local cloud, with its console on the API port, `--watch`, and a first request
// to try. The local cloud itself knows nothing of the project (packages/local-cloud).
import { type LocalCloud, runLocalCloudCli } from '@serverless-data-sharing/local-cloud';
import { CONSOLE_PATH, consoleSite } from '../dev/console-site.ts';

/** How to try the API the stack outputs name, and where the console is. */
function readyLines(cloud: LocalCloud): string[] {
  const lines: string[] = [];
  for (const outputs of Object.values(cloud.outputs)) {
    if (outputs.ApiUrl && outputs.ApiKey) {
      lines.push(
        '\nTry it:',
        `  curl -i -H "x-api-key: ${outputs.ApiKey}" -H "content-type: application/json" -d @examples/order.json ${outputs.ApiUrl}sync/orders`,
      );
    }
  }
  lines.push(`\nConsole: http://127.0.0.1:${cloud.apiPort}${CONSOLE_PATH}`);
  return lines;
}

await runLocalCloudCli(process.argv.slice(2), {
  command: 'npm start --',
  site: consoleSite(),
  readyLines,
  // Loaded only when asked for: it bundles and watches this project's handlers.
  watch: async (options) => (await import('../dev/watch-local-cloud.ts')).watchLocalCloud(options),
});
