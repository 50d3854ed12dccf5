import type * as grpc from '@grpc/grpc-js';

export type AnyCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

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

/** A grpc-js call as a CallSource. */
export function grpcCallSource(call: AnyCall): CallSource {
  const events = call as unknown as NodeJS.EventEmitter;
  // Read now: once the client is gone (a cancelled call's log line) grpc-js only knows 'unknown'.
  const peer = call.getPeer();
  return {
    transport: 'grpc',
    metadata: (key) => {
      const value = call.metadata.get(key)[0];
      return value === undefined ? undefined : String(value);
    },
    deadline: clientDeadline(call),
    // Spelled out only when a log line or a stream quota needs it.
    get peer() {
      return grpcPeer(peer);
    },
    // Read only when an access policy asks who is calling.
    get certificateSubject() {
      const subject = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
      return Array.isArray(subject) ? subject[0] : subject;
    },
    onCancelled: (listener) => {
      events.on('cancelled', listener);
      return () => events.removeListener('cancelled', listener);
    },
  };
}

/** grpc-js's getPeer() is `address:port` with an IPv6 address unbracketed (`::1:51234`). */
function grpcPeer(peer: string): string {
  const colon = peer.lastIndexOf(':');
  const port = Number(peer.slice(colon + 1));
  return colon > 0 && Number.isInteger(port) ? peerAddress(peer.slice(0, colon), port) : peerAddress(peer, undefined);
}

function clientDeadline(call: AnyCall): number {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) && ms > 0 ? ms : Infinity;
}
