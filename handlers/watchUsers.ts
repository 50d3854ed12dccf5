import { Channel } from '../lib/channel';
import type { SyncResult, SyncSubscribe } from '../proto/messages';
import { streamChanges } from './sync/streamChanges';
import type { HandlerContext } from './handlerContext';

/** Changes waiting for the client; when it reads slowly, the feed waits (it never drops one). */
const OUTBOX = 256;

/**
 * WatchUsers: the read half of SyncUsers as a server stream (a snapshot or a resume from a
 * cursor, `caught_up`, then live changes) for callers that only listen, browsers among them.
 * It lives until the client goes or the server shuts down.
 */
export async function* watchUsers(request: SyncSubscribe, ctx: HandlerContext): AsyncGenerator<SyncResult> {
  const outbox = new Channel<SyncResult>(OUTBOX);
  const stop = new AbortController();
  const onAbort = () => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  stop.signal.addEventListener('abort', () => outbox.close(stop.signal.reason), { once: true });
  streamChanges(request, { ...ctx, signal: stop.signal }, outbox).then(
    () => outbox.close(),
    (error: unknown) => outbox.close(error),
  );
  try {
    yield* outbox;
  } finally {
    stop.abort();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
