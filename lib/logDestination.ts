import fs from 'node:fs';

/** Where the logger's lines go, written in the background: nothing here ever blocks the event loop or throws. */
export interface LogDestination {
  /** Takes one line (ending in a newline); dropped and counted when the reader is gone or far behind. */
  write(line: string): void;
  /** Starts writing what is buffered, without waiting for it. */
  flush(): void;
  /** Resolves once everything buffered is written or dropped, or after `ms`, whichever comes first. */
  drain(ms: number): Promise<void>;
  /** Lines given up on so far: the reader went away (EPIPE), or it did not keep up and the buffer was full. */
  droppedLines(): number;
}

/** Batching: a write per line cost a third of GetUser's throughput. */
const MIN_WRITE_BYTES = 4096;
/** What a slow reader may hold back before newer lines are dropped: memory stays bounded. */
const MAX_BUFFERED_BYTES = 1 << 20;
/** A full non-blocking pipe (EAGAIN) is tried again this much later, on a timer, never in a loop. */
const RETRY_MS = 100;

const linesIn = (bytes: Buffer) => bytes.reduce((n, byte) => (byte === 0x0a ? n + 1 : n), 0);

/**
 * Lines to a file descriptor (stdout by default) with asynchronous writes, one at a time. Unlike
 * pino.destination (sonic-boom), whose flushSync retries a failed write forever in a busy loop
 * (EPIPE included: a log shipper that died froze the whole process), a write that fails for any
 * reason but a full pipe marks the destination broken: that write's lines and every later one
 * are counted as dropped. A write stuck on a blocking pipe holds one thread-pool thread, never
 * the event loop, and `drain` gives up after its timeout.
 */
export function createLogDestination(fd = 1, maxBufferedBytes = MAX_BUFFERED_BYTES): LogDestination {
  let pending: string[] = [];
  let pendingBytes = 0;
  let writing = false;
  let broken = false;
  let dropped = 0;
  let idle: Array<() => void> = [];

  const settled = () => broken || (!writing && pending.length === 0);
  const wakeIdle = () => {
    if (!settled()) return;
    for (const wake of idle) wake();
    idle = [];
  };
  const giveUp = (lines: number) => {
    broken = true;
    dropped += lines + pending.length;
    pending = [];
    pendingBytes = 0;
    writing = false;
  };
  const writeOut = (bytes: Buffer) => {
    writing = true;
    fs.write(fd, bytes, 0, bytes.length, null, (error, written) => {
      if (error && (error.code === 'EAGAIN' || error.code === 'EBUSY')) return void setTimeout(() => writeOut(bytes), RETRY_MS).unref();
      if (error) giveUp(linesIn(bytes));
      else if (written < bytes.length) return writeOut(bytes.subarray(written));
      else writing = false;
      // Lines that came in meanwhile go next: under load they form the next batch by themselves.
      if (pending.length > 0) startWrite();
      wakeIdle();
    });
  };
  const startWrite = () => {
    if (writing || broken || pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    pendingBytes = 0;
    writeOut(bytes);
  };

  return {
    write(line) {
      if (broken || pendingBytes + line.length > maxBufferedBytes) return void dropped++;
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= MIN_WRITE_BYTES) startWrite();
    },
    flush: startWrite,
    drain(ms) {
      startWrite();
      if (settled()) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        timer.unref();
        idle.push(() => (clearTimeout(timer), resolve()));
      });
    },
    droppedLines: () => dropped,
  };
}

/**
 * An 'error' on process.stdout or stderr (EPIPE once their reader is gone) is an uncaught
 * exception unless someone listens: it must not end a server that is otherwise fine.
 */
export function ignoreStdioErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}
