/** Which front door a call came through: the label that tells them apart in metrics. */
export type Transport = 'grpc' | 'http';

/**
 * What a call looks like to the code that opens it, whatever carries it: a gRPC call, or an HTTP
 * request of the REST gateway. Both get the same deadline, access, quota, logging and metrics.
 */
export interface CallSource {
  transport: Transport;
  /** A request metadata value (HTTP: a header), the first for keys sent more than once. */
  metadata(key: string): string | undefined;
  /** The client's deadline in ms since the epoch; Infinity when it sent none. */
  deadline: number;
  /** The remote address as `peerAddress` writes it, e.g. `127.0.0.1:51234` or `[::1]:51234`. */
  peer: string;
  /** The client certificate's subject CN, on mutual TLS. */
  certificateSubject?: string;
  /** Calls `listener` when the client goes away before the answer; returns the unsubscribe. */
  onCancelled(listener: () => void): () => void;
}

/**
 * One spelling of a client's address for every transport (logs, stream quotas): `host:port`,
 * an IPv6 host in brackets, an IPv4 client of a dual-stack socket as plain IPv4.
 */
export function peerAddress(address: string | undefined, port: number | undefined): string {
  if (!address) return 'unknown';
  const host = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}
