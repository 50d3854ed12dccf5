import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { makeCertificates, type TestCertificates } from '../support/certificates';
import { removeDir, startServer, tempDir, type ServerProcess } from '../support/serverProcess';

/** The gateway under TLS, mutual TLS and the access policy: the same rules as gRPC. */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let certs: TestCertificates;
let policy: string;
const dirs: string[] = [];
const servers: ServerProcess[] = [];

beforeAll(() => {
  const certDir = tempDir('gateway-certs');
  dirs.push(certDir);
  certs = makeCertificates(certDir);
  policy = path.join(certDir, 'authz.yml');
  writeFileSync(
    policy,
    [
      'tokens:',
      `  reporting: ${sha256('reporting-token')}`,
      'certificates:',
      '  billing.internal: billing',
      'grants:',
      '  billing: [read, write]',
      '  reporting: [read]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  dirs.forEach(removeDir);
});

async function serve(args: string[]): Promise<string> {
  const dir = tempDir('gateway-tls');
  dirs.push(dir);
  const server = await startServer(dir, ['--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key'), '--authz', policy, ...args]);
  servers.push(server);
  return server.httpAddr;
}

/** One HTTPS request; resolves with the status and JSON body, rejects when the handshake fails. */
function call(
  addr: string,
  method: string,
  urlPath: string,
  options: { body?: object; headers?: Record<string, string>; cert?: string },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body of any shape, read by path in the tests
): Promise<{ status: number; json: any }> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  const body = options.body ? JSON.stringify(options.body) : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path: urlPath,
        ca: certs.pem('ca.pem'),
        ...(options.cert ? { cert: certs.pem(`${options.cert}.pem`), key: certs.pem(`${options.cert}.key`) } : {}),
        headers: { 'content-type': 'application/json', ...options.headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

it('serves HTTPS with the server certificate; bearer tokens map to identities and grants', async () => {
  const addr = await serve([]);
  expect(await call(addr, 'GET', '/v1/users?pageSize=1', { headers: { authorization: 'Bearer reporting-token' } })).toMatchObject({ status: 200 });
  expect(
    await call(addr, 'POST', '/v1/users', { body: { email: 'r@tls.example', name: 'R' }, headers: { authorization: 'Bearer reporting-token' } }),
  ).toMatchObject({ status: 403, json: { code: 7 } });
  expect(await call(addr, 'GET', '/v1/users?pageSize=1', {})).toMatchObject({ status: 401, json: { code: 16 } });
  expect(await call(addr, 'GET', '/v1/users?pageSize=1', { headers: { authorization: 'Bearer wrong' } })).toMatchObject({ status: 401, json: { code: 16 } });
});

it('with --require-client-cert, a client certificate from the CA is the identity; none, or a rogue one, fails the handshake', async () => {
  const addr = await serve(['--tls-ca', certs.file('ca.pem'), '--require-client-cert']);
  expect(await call(addr, 'POST', '/v1/users', { body: { email: 'b@tls.example', name: 'B' }, cert: 'client' })).toMatchObject({
    status: 200,
    json: { email: 'b@tls.example' },
  });
  await expect(call(addr, 'GET', '/v1/users', {})).rejects.toThrow();
  await expect(call(addr, 'GET', '/v1/users', { cert: 'rogue' })).rejects.toThrow();
});
