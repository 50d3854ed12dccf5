import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import vm from 'node:vm';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { packageRoot } from '../../lib/packageRoot';
import type { UserPlan } from '../../proto/messages';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The README's replica example, run as written (its address aside) against a real server that is restarted under it. */
const example = /<!-- replica example -->\n```js\n([\s\S]*?)```/.exec(readFileSync(path.join(packageRoot(), 'README.md'), 'utf8'))?.[1];
const PRO = 2;
const FREE = 1;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let dir: string;
let server: ServerProcess;
let client: Client;
let port: number;
const start = () => startServer(dir, ['--addr', `127.0.0.1:${port}`, '--bookmark-ms', '200']);

beforeAll(async () => {
  dir = tempDir('replica-example');
  port = await freePort();
  server = await start();
  client = createClient(server.addr);
});

afterAll(async () => {
  client.close();
  await server.stop();
  removeDir(dir);
});

it('keeps the PRO users in step across changes, filter transitions and a server restart', async () => {
  expect(example).toBeDefined();
  const create = async (i: number, plan: UserPlan) =>
    (await unary(client, 'CreateUser', { email: `r${i}@replica.example`, name: `R${i}`, plan })).response.id as string;
  const ids = [];
  for (let i = 0; i < 20; i++) ids.push(await create(i, i % 2 ? PRO : FREE));

  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const context = vm.createContext({
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the README's example is CommonJS run in a vm context: this is the `require` it calls
    require: (name: string) => require(name === './dist/client/userServiceClient' ? path.join(packageRoot(), 'dist/client/userServiceClient') : name),
    setTimeout: (fn: () => void, ms: number) => {
      const timer = setTimeout(() => (timers.delete(timer), stopped || fn()), ms);
      timers.add(timer);
    },
    Date,
  });
  vm.runInContext(`${example!.replace('localhost:50051', `127.0.0.1:${port}`)}\nglobalThis.replica = { users, client };`, context);
  const replica = context.replica as { users: Map<string, { id: string; version: number }>; client: Client };
  const expected = async () =>
    new Map(
      ((await serverStream(client, 'ListUsers', { filter: 'plan = PRO' })).messages as Array<{ id: string; version: number }>).map((u) => [
        u.id,
        Number(u.version),
      ]),
    );
  const inStep = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const want = await expected();
      const have = new Map([...replica.users.values()].map((u) => [u.id, Number(u.version)]));
      if (JSON.stringify([...have].sort()) === JSON.stringify([...want].sort())) return want.size;
      if (Date.now() > deadline) throw new Error(`replica ${JSON.stringify([...have])} != ListUsers ${JSON.stringify([...want])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    expect(await inStep()).toBe(10);
    const update = (id: string, plan: UserPlan) => unary(client, 'UpdateUser', { user: { id, plan }, update_mask: { paths: ['plan'] } });
    await update(ids[1], FREE); // leaves
    await update(ids[2], PRO); // enters
    await unary(client, 'DeleteUser', { id: ids[3] });
    await unary(client, 'DeleteUser', { id: ids[4] }); // a FREE user: nothing to do
    expect(await inStep()).toBe(9);

    // The server goes away (the stream ends UNAVAILABLE) and comes back on the same address.
    expect(await server.stop()).toBe(0);
    client.close();
    server = await start();
    // Its own subchannels: the pooled one to this address may still be backing off from the stop.
    client = createClient(server.addr, undefined, { 'grpc.use_local_subchannel_pool': 1 });
    await update(ids[5], FREE);
    await update(ids[6], PRO);
    await update(ids[8], PRO);
    ids.push(await create(100, PRO));
    expect(await inStep()).toBe(11);
  } finally {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    replica.client.close();
  }
});
