import type * as grpc from '@grpc/grpc-js';
import { peerAddress, type CallSource } from '../call/callSource';

export type AnyCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

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
