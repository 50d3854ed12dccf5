import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import tls from 'node:tls';

export interface HttpServerCloser {
  /** Stops accepting, ends idle connections at once and the others as their requests finish; cuts what is left after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Closes an HTTP(S) server for a stop without waiting on idle clients. Node's closeIdleConnections
 * skips a connection that has not sent a whole request (a browser's preconnect, a TCP health
 * check, half-sent headers): it counts as active until headersTimeout, and server.close() stops
 * the timer that enforces that, so one such connection held a stop until the grace ran out (the
 * gateway) or forever (the metrics server). Here a connection is idle unless a request on it is
 * being answered; idle ones are ended once their last bytes left. Call it right after creating
 * the server, so every connection is seen.
 */
export function createHttpServerCloser(server: Server): HttpServerCloser {
  const connections = new Set<Socket>();
  // Requests arrive on the TLS socket with HTTPS, on the TCP one without: that is where they are counted.
  const inProgress = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: Socket) => {
    inProgress.set(socket, 0);
    socket.once('close', () => inProgress.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    res.once('close', () => inProgress.has(socket) && inProgress.set(socket, inProgress.get(socket)! - 1));
  });
  const endIdle = () => {
    for (const [socket, requests] of inProgress) if (requests === 0 && socket.writableLength === 0) socket.destroy();
  };
  return {
    close: async (graceMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      endIdle();
      // Keep-alive connections become idle as their last answer goes out (feeds end at shutdown): end them then.
      const sweep = setInterval(endIdle, 50);
      const cut = setTimeout(() => connections.forEach((socket) => socket.destroy()), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(cut);
    },
  };
}
