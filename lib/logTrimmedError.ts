import type { Cursor } from './cursor';
import { OutOfRangeError } from './errors';

/**
 * A read from a position the log no longer holds: its records were dropped (a trim, a compaction,
 * Kafka's retention). `start` is the oldest position still there. Handlers turn it into an answer
 * naming the caller's cursor (ErrorInfo reason CURSOR_EXPIRED).
 */
export class LogTrimmedError extends OutOfRangeError {
  constructor(
    readonly topic: string,
    readonly start: Cursor,
  ) {
    super(`${topic}: the log no longer holds records before ${start.toString()}; start again from a snapshot`, {
      reason: 'CURSOR_EXPIRED',
      metadata: { topic },
    });
  }
}
