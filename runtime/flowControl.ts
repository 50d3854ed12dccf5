import { ResourceExhaustedError } from '../lib/errors';

/**
 * Waits until the client has taken what was sent (HTTP/2 flow control, or TCP for the REST gateway). A client that takes
 * nothing for `slowReaderMs` is cut off with RESOURCE_EXHAUSTED: what the server holds for one
 * stream stays bounded by the transport's window plus one message.
 */
export function drained(stream: NodeJS.EventEmitter, signal: AbortSignal, slowReaderMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new ResourceExhaustedError(`the client read nothing for ${slowReaderMs} ms; the stream is closed (resume from your last cursor)`));
    }, slowReaderMs);
    const done = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      stream.removeListener('drain', done);
      signal.removeEventListener('abort', done);
    };
    stream.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
