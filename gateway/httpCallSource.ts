import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { InvalidArgumentError } from '../lib/errors';
import { peerAddress, type CallSource } from '../runtime/call/callSource';

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/**
 * An HTTP request as a call: headers are its metadata (`authorization`, `x-request-id`,
 * `traceparent`, `users-min-cursor`, `users-consistency`), and `grpc-timeout` (as grpc-gateway reads it: `5S`, `250m`)
 * its deadline; without one the server's default deadline applies.
 */
export function httpCallSource(req: IncomingMessage, res: ServerResponse): CallSource {
  const socket = req.socket as TLSSocket;
  const subject = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate()?.subject?.CN : undefined;
  return {
    transport: 'http',
    metadata: (key) => {
      const value = req.headers[key];
      return Array.isArray(value) ? value[0] : value;
    },
    deadline: deadlineOf(req.headers['grpc-timeout']),
    peer: peerAddress(socket.remoteAddress, socket.remotePort),
    certificateSubject: Array.isArray(subject) ? subject[0] : subject,
    onCancelled: (listener) => {
      // 'close' before the response finished means the client went away.
      const onClose = () => {
        if (!res.writableFinished) listener();
      };
      res.on('close', onClose);
      return () => res.removeListener('close', onClose);
    },
  };
}

function deadlineOf(header: string | string[] | undefined): number {
  if (header === undefined) return Infinity;
  const text = Array.isArray(header) ? header[0] : header;
  const match = /^(\d{1,8})([HMSmun])$/.exec(text);
  if (!match) throw new InvalidArgumentError('grpc-timeout', `must be up to 8 digits and a unit (H, M, S, m, u, n), e.g. "5S"; got "${text}"`);
  return Date.now() + Number(match[1]) * UNIT_MS[match[2]];
}
