import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';

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
  if (!tlsCert !== !tlsKey) throw new Error('--tls-cert and --tls-key go together');
  if (tlsCert && tlsKey) {
    if (requireClientCert && !tlsCa) throw new Error('--require-client-cert needs --tls-ca, the CA that signs client certificates');
    const ca = tlsCa ? readFileSync(tlsCa) : null;
    return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: readFileSync(tlsCert), private_key: readFileSync(tlsKey) }], requireClientCert);
  }
  if (requireClientCert || tlsCa) throw new Error('--tls-ca and --require-client-cert need --tls-cert and --tls-key');
  assertPlaintextAllowed(addr, options);
  return grpc.ServerCredentials.createInsecure();
}

/** Plaintext is for loopback only, unless --insecure-anywhere says otherwise (gRPC and the REST gateway alike). */
export function assertPlaintextAllowed(addr: string, options: TransportOptions): void {
  if (options.tlsCert && options.tlsKey) return;
  const host = addr.slice(0, addr.lastIndexOf(':'));
  if (!LOOPBACK.test(host) && !options.insecureAnywhere) {
    throw new Error(`refusing to serve plaintext on ${addr}: give --tls-cert and --tls-key, or --insecure-anywhere if you mean it`);
  }
}
