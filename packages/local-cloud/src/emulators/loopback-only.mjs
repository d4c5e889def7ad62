// Preloaded (`node --import`) into an emulator that binds every interface and cannot be told otherwise:
// every server it starts listens on 127.0.0.1 instead, so nothing is reachable from another machine.
import net from 'node:net';

const WILDCARDS = new Set([undefined, null, '', '0.0.0.0', '::', '::0']);
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !Array.isArray(first) && 'port' in first) {
    if (WILDCARDS.has(first.host)) {
      args[0] = { ...first, host: '127.0.0.1' };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] !== 'string' || WILDCARDS.has(args[1])) {
      args.splice(1, typeof args[1] === 'string' ? 1 : 0, '127.0.0.1');
    }
  }
  return listen.apply(this, args);
};
