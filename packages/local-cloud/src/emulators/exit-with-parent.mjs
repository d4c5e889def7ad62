// Preloaded (`node --import`) into an emulator that runs as a child Node.js process of the local cloud.
// - SIGINT and SIGTERM end it at once. Ctrl-C sends SIGINT to the whole process group, the local cloud included;
//   kinesis-mock's own graceful shutdown (cats-effect's IOApp, which also replaces process.exit) waits for open
//   connections to close and stops answering meanwhile, so a request the local cloud has in flight would wait
//   forever, and its stop with it. The emulator keeps its data in memory: there is nothing to flush.
// - End of standard input (the local cloud is gone, even killed) ends it too, so it never outlives its parent.
const exit = process.exit.bind(process);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => exit(0));
}
process.stdin.on('end', () => exit(0));
process.stdin.on('error', () => exit(0));
process.stdin.resume();
