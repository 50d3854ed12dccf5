import * as grpc from '@grpc/grpc-js';
import { CURSOR_EXPIRED, EXPIRED_CURSOR_KEY, OLDEST_CURSOR_KEY } from '../lib/cursorExpired';
import type { SyncResult__Output } from '../proto/generated/userservice/SyncResult';
import type { SyncSubscribe } from '../proto/generated/userservice/SyncSubscribe';
import { errorDetails, metadataOf, type Client } from './userServiceClient';

/** What `watchUsers` hands its caller: each message of the stream, and the one relist it made. */
export type WatchEvent =
  | { kind: 'message'; message: SyncResult__Output }
  /**
   * The cursor had expired (the log no longer holds the changes after it): the watch started
   * again without a cursor, so a fresh snapshot follows. Drop what was built from the stream
   * (or mark it stale) and take the SNAPSHOT events that come next as the whole state.
   */
  | { kind: 'relisted'; expiredCursor: string; oldestCursor: string; error: grpc.ServiceError };

export interface WatchOptions {
  metadata?: Record<string, string>;
  /** Ends the watch (the generator then returns). */
  signal?: AbortSignal;
  /** An absolute deadline (ms since the epoch); a watch has none unless given one. */
  deadline?: number;
}

/**
 * WatchUsers as an async generator, with the one recovery a subscriber needs: when its cursor
 * has expired (OUT_OF_RANGE, ErrorInfo reason CURSOR_EXPIRED: the log was trimmed past it) it
 * relists once, starting again with an empty cursor, and says so with a `relisted` event naming
 * the expired cursor and the oldest position the log kept. A second CURSOR_EXPIRED before that
 * relist caught up is thrown to the caller, not looped on; once it caught up, a later expiry
 * (a reader left behind again) may relist again. Every other error is thrown as it came.
 */
export async function* watchUsers(client: Client, request: SyncSubscribe, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
  let cursor = request.cursor ?? '';
  let mayRelist = true;
  while (!options.signal?.aborted) {
    const call = client.WatchUsers({ ...request, cursor }, metadataOf(options.metadata), { deadline: options.deadline ?? Infinity });
    const cancel = () => call.cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const message of call as AsyncIterable<SyncResult__Output>) {
        if (message.caught_up) mayRelist = true;
        yield { kind: 'message', message };
      }
      return;
    } catch (error) {
      const expired = expiryOf(error);
      if (options.signal?.aborted) return;
      if (!expired || !mayRelist) throw error;
      mayRelist = false;
      cursor = '';
      yield { kind: 'relisted', ...expired, error: error as grpc.ServiceError };
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }
}

/** The cursors a CURSOR_EXPIRED answer names; undefined for any other error. */
export function expiryOf(error: unknown): { expiredCursor: string; oldestCursor: string } | undefined {
  const status = error as Partial<grpc.ServiceError>;
  if (status.code !== grpc.status.OUT_OF_RANGE || !status.metadata) return undefined;
  const info = errorDetails(status as grpc.ServiceError).errorInfo;
  if (info?.reason !== CURSOR_EXPIRED) return undefined;
  return { expiredCursor: info.metadata[EXPIRED_CURSOR_KEY] ?? '', oldestCursor: info.metadata[OLDEST_CURSOR_KEY] ?? '' };
}
