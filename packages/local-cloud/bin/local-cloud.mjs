#!/usr/bin/env node
// `npx local-cloud` in a CDK project: runs the project's app on the local cloud. Plain JavaScript with no static
// imports, so that an old Node.js stops here with one line instead of failing on a module it lacks (node:sqlite).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 5)) {
  console.error(
    `error: the local cloud needs Node.js 22.5 or newer, and this is ${process.versions.node}. Install Node.js 22 (https://nodejs.org/en/download) and run the command again.`,
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { runLocalCloudCli } = await import('../src/index.ts');
await runLocalCloudCli(process.argv.slice(2));
