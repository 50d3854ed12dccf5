import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/startupErrors';

export interface TransportOptions {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  requireClientCert: boolean;
  insecureAnywhere: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/**
 * TLS when a certificate and key are given (mutual TLS with --require-client-cert: a client
 * without a certificate signed by --tls-ca is refused at the handshake). Without them the server
 * is plaintext, which is allowed on loopback only unless --insecure-anywhere says otherwise.
 */
export function serverCredentials(addr: string, options: TransportOptions): grpc.ServerCredentials {
  const { tlsCert, tlsKey, tlsCa, requireClientCert } = options;
  if (!tlsCert !== !tlsKey) throw new ConfigError('--tls-cert and --tls-key go together');
  if (tlsCert && tlsKey) {
    if (requireClientCert && !tlsCa) throw new ConfigError('--require-client-cert needs --tls-ca, the CA that signs client certificates');
    const ca = tlsCa ? readPem('--tls-ca', tlsCa) : null;
    return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: readPem('--tls-cert', tlsCert), private_key: readPem('--tls-key', tlsKey) }], requireClientCert);
  }
  if (requireClientCert || tlsCa) throw new ConfigError('--tls-ca and --require-client-cert need --tls-cert and --tls-key');
  assertPlaintextAllowed(addr, options);
  return grpc.ServerCredentials.createInsecure();
}

function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(`${flag} ${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** Plaintext is for loopback only, unless --insecure-anywhere says otherwise (gRPC and the REST gateway alike). */
export function assertPlaintextAllowed(addr: string, options: TransportOptions): void {
  if (options.tlsCert && options.tlsKey) return;
  const host = addr.slice(0, addr.lastIndexOf(':'));
  if (!LOOPBACK.test(host) && !options.insecureAnywhere) {
    throw new ConfigError(`refusing to serve plaintext on ${addr}: give --tls-cert and --tls-key, or --insecure-anywhere if you mean it`);
  }
}
