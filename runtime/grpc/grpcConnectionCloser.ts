import type * as grpc from '@grpc/grpc-js';
import type { Server, Socket } from 'node:net';

export interface GrpcConnectionCloser {
  /** Ends the connections whose server side is done: GOAWAY sent, every byte flushed, only the peer's close awaited. */
  endFinished(): void;
  /** Ends every connection (the grace is over). */
  endAll(): void;
}

/**
 * The sockets under a grpc-js server, so a stop can end them. tryShutdown sends GOAWAY and closes
 * each HTTP/2 session gracefully, but Node then waits for the peer to close the TCP connection:
 * a peer that never does (a TCP health check, a connection that never sent the HTTP/2 preface, a
 * client that ignores GOAWAY) held SIGTERM forever, forceShutdown included (its session is
 * already destroyed; its socket is not). grpc-js exposes no sockets, so this reads its private
 * `http2Servers` map after bind (grpc-js is pinned; test/e2e/shutdown.test.ts fails if that
 * map goes away).
 */
export function createGrpcConnectionCloser(server: grpc.Server): GrpcConnectionCloser {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const listeners = (server as unknown as { http2Servers?: Map<Server, unknown> }).http2Servers?.keys() ?? [];
  // With TLS the session ends the TLS socket ('secureConnection'), whose TCP socket ('connection') is cut with it.
  for (const listener of listeners) for (const event of ['connection', 'secureConnection']) listener.on(event, track);
  return {
    endFinished: () => sockets.forEach((socket) => socket.writableFinished && socket.destroy()),
    endAll: () => sockets.forEach((socket) => socket.destroy()),
  };
}
