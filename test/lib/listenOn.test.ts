import http from 'node:http';
import { listenOn } from '../../lib/listenOn';
import { InUseError } from '../../lib/startupErrors';

const servers: http.Server[] = [];
const server = () => {
  const s = http.createServer((_req, res) => res.end('ok'));
  servers.push(s);
  return s;
};

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

it('listens on an IPv6 host written in brackets, and answers there', async () => {
  const addr = await listenOn(server(), '[::1]:0', '--http-addr');
  expect(addr).toMatch(/^\[::1\]:\d+$/);
  expect(await (await fetch(`http://${addr}/`)).text()).toBe('ok');
});

it('refuses a taken address with an InUseError that names the flag', async () => {
  const addr = await listenOn(server(), '127.0.0.1:0', '--metrics-addr');
  const taken = listenOn(server(), addr, '--metrics-addr');
  await expect(taken).rejects.toBeInstanceOf(InUseError);
  await expect(taken).rejects.toThrow(`--metrics-addr ${addr} is in use by another process`);
});
