import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Code } from '../lib/code';

/**
 * How long the rest of a request is read (and thrown away) after it was answered early, before the
 * connection is closed anyway. Closing a socket whose client is still sending makes the kernel
 * send a reset, and a client that is still writing (most write the whole request before reading)
 * then loses the answer: a 413 becomes "connection reset". HTTP/1.1 (RFC 9112, 9.6) asks servers
 * to close in stages for this reason; nginx's lingering_close does the same.
 */
export const LINGER_MS = 5_000;

/**
 * After an answer sent before the request body was read whole (413, a bad NDJSON line, no such
 * route), reads and discards the rest so the client can read the answer; the connection stays
 * usable once the body ends. A body still coming after LINGER_MS has its connection closed.
 */
export function drainUnread(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}

const answered = new WeakSet<Duplex>();

/**
 * The server's `clientError` listener: a request Node's parser refused before any handler saw it
 * gets its status (414 for a request line over the header limit, 431 for headers over it, 400 for
 * a malformed request, 408 for a head that never finished), then the connection closes in stages.
 * Node's own answer closes at once, so a client still sending the oversized head got a reset.
 */
export function answerClientError(error: NodeJS.ErrnoException & { bytesParsed?: number; rawPacket?: Buffer }, socket: Duplex, maxHeaderSize: number): void {
  // The parser stays failed and raises the same error for every later chunk: they are read and dropped.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable || (socket as { bytesWritten?: number }).bytesWritten) return void socket.destroy();
  const { status, code, message } = statusOf(error, maxHeaderSize);
  const body = `${JSON.stringify({ code, message, details: [] })}\n`;
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
}

function statusOf(
  error: NodeJS.ErrnoException & { bytesParsed?: number; rawPacket?: Buffer },
  maxHeaderSize: number,
): { status: number; code: Code; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error)
        ? {
            status: 414,
            code: Code.INVALID_ARGUMENT,
            message: `the URL is longer than the ${maxHeaderSize} bytes the server reads of a request's head; shorten it`,
          }
        : {
            status: 431,
            code: Code.INVALID_ARGUMENT,
            message: `the request's headers are larger than the ${maxHeaderSize} bytes the server reads; send fewer or shorter headers`,
          };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: Code.DEADLINE_EXCEEDED, message: 'the request was not received in time' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: Code.RESOURCE_EXHAUSTED, message: 'the chunk extensions of the body are too large' };
    default:
      return { status: 400, code: Code.INVALID_ARGUMENT, message: `the request is not valid HTTP/1.1 (${error.code ?? error.message})` };
  }
}

/**
 * Whether the head overflowed inside its first line. Node reports the overflow with the chunk it
 * was parsing: a chunk that starts a request line and ends before any line break is a URL too
 * long. A head that arrives in small pieces may overflow in a chunk from its middle; that cannot
 * be told apart from a long header and is answered 431.
 */
function requestLineTooLong(error: { bytesParsed?: number; rawPacket?: Buffer }): boolean {
  const seen = error.rawPacket?.subarray(0, error.bytesParsed ?? error.rawPacket.length);
  return seen !== undefined && !seen.includes(0x0a) && /^[A-Z]+ \S/.test(seen.subarray(0, 32).toString('latin1'));
}
