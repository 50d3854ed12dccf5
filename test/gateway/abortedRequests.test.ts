import http from 'node:http';
import { once } from 'node:events';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/**
 * A client or bidi stream over the gateway whose call is aborted (here: its deadline passes)
 * while the client is still sending: the call is answered at once, the handler reads no request
 * sent after that, and the rest of the body is read and thrown away, so the connection serves
 * the next request. gRPC has always stopped reading there; the gateway now runs the same call
 * runner. One keep-alive connection carries each test's requests in order, so the CreateUser
 * that follows can only be handled after the gateway had the whole aborted body.
 */
let dir: string;
let server: ServerProcess;
let agent: http.Agent;
const unique = () => Math.random().toString(36).slice(2, 10);

beforeAll(async () => {
  dir = tempDir('aborted');
  server = await startServer(dir);
});

beforeEach(() => {
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});

afterEach(() => agent.destroy());

afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(dir);
});

/** A request on the test's one connection; the body is written by the caller. */
function open(method: string, path: string, headers: Record<string, string>): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
  const [host, port] = [server.httpAddr.slice(0, server.httpAddr.lastIndexOf(':')), server.httpAddr.slice(server.httpAddr.lastIndexOf(':') + 1)];
  const req = http.request({ host, port, path, method, headers, agent });
  const response = once(req, 'response').then(([res]) => res as http.IncomingMessage);
  return { req, response };
}

async function textOf(res: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

/** CreateUser on the same connection: 200 when the email is free, 409 when some request took it. */
async function createUser(email: string): Promise<{ status: number; reused: boolean }> {
  const { req, response } = open('POST', '/v1/users', { 'content-type': 'application/json' });
  req.end(JSON.stringify({ email, name: 'Probe' }));
  const res = await response;
  await textOf(res);
  return { status: res.statusCode ?? 0, reused: req.reusedSocket };
}

it('ImportUsers past its deadline answers 504 at once and never imports a line sent after it', async () => {
  const [before, after] = [`before-${unique()}@aborted.example`, `after-${unique()}@aborted.example`];
  const { req, response } = open('POST', '/v1/users:import', { 'content-type': 'application/x-ndjson', 'grpc-timeout': '1S' });
  req.write(line({ email: before, name: 'Before' }));
  const res = await response; // while the body is still open
  expect(res.statusCode).toBe(504);
  expect(JSON.parse(await textOf(res))).toMatchObject({ code: 4, message: expect.stringContaining('deadline') });

  req.write(line({ email: after, name: 'After' }));
  // More of the body in a later packet, once the stopped reader has let go of the request.
  await new Promise((resolve) => setTimeout(resolve, 200));
  req.end(line({ email: `last-${unique()}@aborted.example`, name: 'Last' }));
  await once(req, 'finish');
  // The handler read the line sent in time, and not the one sent after the answer.
  expect(await createUser(before)).toEqual({ status: 409, reused: true });
  expect(await createUser(after)).toEqual({ status: 200, reused: true });
});

it('SyncUsers past its deadline ends with the error line and never applies a change sent after it', async () => {
  const [before, after] = [`before-${unique()}@aborted.example`, `after-${unique()}@aborted.example`];
  const change = (email: string) => line({ change: { requestId: unique(), op: 'CHANGE_OP_CREATE', user: { email, name: 'S' } } });
  const { req, response } = open('POST', '/v1/users:sync', { 'content-type': 'application/x-ndjson', 'grpc-timeout': '1S' });
  req.write(change(before));
  const res = await response;
  expect(res.statusCode).toBe(200);
  const lines = (await textOf(res)) // ends when the deadline passes, the request body still open
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({ result: { result: { code: 0, user: { email: before } } } });
  expect(lines[1]).toMatchObject({ error: { code: 4 } });

  req.end(change(after));
  await once(req, 'finish');
  expect(await createUser(before)).toEqual({ status: 409, reused: true });
  expect(await createUser(after)).toEqual({ status: 200, reused: true });
});
