import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  dir: string;
  file(name: string): string;
  pem(name: string): Buffer;
}

/**
 * Throwaway certificates made with openssl: a CA, a server certificate for 127.0.0.1 and
 * localhost, a client certificate the CA signed (CN=billing.internal) and a rogue one that
 * claims the same name, self-signed.
 */
export function makeCertificates(dir: string): TestCertificates {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const keyAndCsr = (name: string, cn: string) =>
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=usersvc-test-ca');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  // A key and a certificate the CA signs, for `name`, with the extensions of `${name}.ext`.
  const signed = (name: string, cn: string) => {
    keyAndCsr(name, cn);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  signed('server', 'localhost');
  signed('client', 'billing.internal');
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '1', '-subj', '/CN=billing.internal');
  return { dir, file: (name) => path.join(dir, name), pem: (name) => readFileSync(path.join(dir, name)) };
}
