import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, serverStream, unary, type Client } from '../../client/userServiceClient';
import { ChangeOp } from '../../proto/messages';
import { makeCertificates, type TestCertificates } from '../support/certificates';
import { removeDir, runCli, startServer, tempDir, type ServerProcess } from '../support/serverProcess';
import { SyncStream } from '../support/syncStream';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CHANGE = { request_id: 'x', op: ChangeOp.CHANGE_OP_CREATE, user: { email: 'denied@example.com', name: 'No' } };

let certDir: string;
let certs: TestCertificates;
let policy: string;
const dirs: string[] = [];
const clients: Client[] = [];
const servers: ServerProcess[] = [];

async function serve(args: string[]): Promise<ServerProcess> {
  const dir = tempDir('tls');
  dirs.push(dir);
  const server = await startServer(dir, args);
  servers.push(server);
  return server;
}

function client(addr: string, credentials: grpc.ChannelCredentials): Client {
  const c = createClient(addr, credentials);
  clients.push(c);
  return c;
}

beforeAll(() => {
  certDir = tempDir('certs');
  certs = makeCertificates(certDir);
  policy = path.join(certDir, 'authz.yml');
  writeFileSync(
    policy,
    [
      'tokens:',
      `  reporting: ${sha256('reporting-token')}`,
      `  admin: ${sha256('admin-token')}`,
      'certificates:',
      '  billing.internal: billing',
      'grants:',
      '  billing: [read, write]',
      '  admin: [read, write]',
      '  reporting: [read]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  for (const s of servers) await s.stop();
  [...dirs, certDir].forEach(removeDir);
});

describe('mutual TLS', () => {
  let addr: string;
  beforeAll(async () => {
    const tls = ['--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key'), '--tls-ca', certs.file('ca.pem')];
    addr = (await serve([...tls, '--require-client-cert', '--authz', policy])).addr;
  });

  it('serves a client whose certificate the CA signed, as the identity the policy names', async () => {
    const billing = client(addr, grpc.credentials.createSsl(certs.pem('ca.pem'), certs.pem('client.key'), certs.pem('client.pem')));
    const { response } = await unary(billing, 'CreateUser', { email: 'mtls@example.com', name: 'Via mTLS' });
    expect(response.version).toBe(1);
  });

  it('refuses a client without a certificate, and one whose certificate the CA did not sign', async () => {
    const none = client(addr, grpc.credentials.createSsl(certs.pem('ca.pem')));
    await expect(unary(none, 'GetUser', { id: 'x' }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const rogue = client(addr, grpc.credentials.createSsl(certs.pem('ca.pem'), certs.pem('rogue.key'), certs.pem('rogue.pem')));
    await expect(unary(rogue, 'GetUser', { id: 'x' }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses a plaintext client', async () => {
    const plain = client(addr, grpc.credentials.createInsecure());
    await expect(unary(plain, 'GetUser', { id: 'x' }, { timeoutMs: 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});

describe('bearer tokens and per-method grants', () => {
  let addr: string;
  const tlsWith = (token?: string) => {
    const ssl = grpc.credentials.createSsl(certs.pem('ca.pem'));
    if (token === undefined) return ssl;
    const call = grpc.credentials.createFromMetadataGenerator((_, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      cb(null, md);
    });
    return grpc.credentials.combineChannelCredentials(ssl, call);
  };

  beforeAll(async () => {
    addr = (await serve(['--tls-cert', certs.file('server.pem'), '--tls-key', certs.file('server.key'), '--authz', policy, '--max-streams-per-identity', '2']))
      .addr;
  });

  it('answers UNAUTHENTICATED without credentials or with an unknown token', async () => {
    await expect(unary(client(addr, tlsWith()), 'GetUser', { id: 'x' })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: expect.stringMatching(/no credentials/),
    });
    await expect(unary(client(addr, tlsWith('guess')), 'GetUser', { id: 'x' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(serverStream(client(addr, tlsWith('guess')), 'ListUsers', {})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('lets a read-only identity read and answers PERMISSION_DENIED to its writes', async () => {
    const reporting = client(addr, tlsWith('reporting-token'));
    await expect(unary(reporting, 'GetUser', { id: 'x' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await serverStream(reporting, 'ListUsers', {});
    await expect(unary(reporting, 'CreateUser', { email: 'r@example.com', name: 'R' })).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: 'reporting may not call CreateUser',
    });
    const admin = client(addr, tlsWith('admin-token'));
    expect((await unary(admin, 'CreateUser', { email: 'admin@example.com', name: 'A' })).response.version).toBe(1);
  });

  it('authorizes each write a SyncUsers stream carries, not only its opening', async () => {
    const stream = new SyncStream(client(addr, tlsWith('reporting-token'))).subscribe().change(CHANGE);
    await stream.until((s) => s.results().length === 1 && s.received.some((m) => m.caught_up));
    expect(stream.results()[0]).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    stream.cancel();
  });

  it('caps the streams one identity holds open', async () => {
    const reporting = client(addr, tlsWith('reporting-token'));
    const open = [new SyncStream(reporting).subscribe(), new SyncStream(reporting).subscribe()];
    await Promise.all(open.map((s) => s.until((x) => x.received.some((m) => m.caught_up))));
    const third = new SyncStream(reporting).subscribe();
    const error = await third.ended();
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    open.forEach((s) => s.cancel());
  });
});

describe('plaintext', () => {
  it('is refused on a non-loopback address unless asked for', async () => {
    const dir = tempDir('plain');
    dirs.push(dir);
    const run = await runCli(['serve', '--addr', '0.0.0.0:0', '--data', dir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/"msg":"refusing to serve plaintext on 0\.0\.0\.0:0/);
  });
});
