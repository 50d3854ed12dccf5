// Preloaded (`node --require`) into a tool a test runs, to prove the tool stays offline: a
// connection to anything but loopback fails at once, and the attempt is printed on stderr as
// `loopbackOnly: refused <host>:<port>` for the test to find. Blocking in Socket#connect, before
// any DNS lookup, catches fetch (undici), http, https and raw sockets alike.
const net = require('node:net');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : 'localhost' };
  if (options.path === undefined && !LOOPBACK.test(options.host ?? 'localhost')) {
    process.stderr.write(`loopbackOnly: refused ${options.host}:${options.port}\n`);
    process.nextTick(() => this.destroy(new Error(`loopbackOnly: refused ${options.host}:${options.port}`)));
    return this;
  }
  return connect.apply(this, args);
};
