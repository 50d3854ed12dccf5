import { InvalidArgumentError } from '../lib/errors';
import { Channel } from '../lib/channel';
import type { SyncResult, UserUpdate } from '../proto/messages';
import { streamChanges } from './sync/streamChanges';
import { SyncWrites } from './sync/syncWrites';
import type { HandlerContext } from './handlerContext';

/** Results waiting for the client; when it reads slowly, the feed and the writes wait. */
const OUTBOX = 256;

/**
 * SyncUsers: one stream for both directions. `subscribe` starts the change feed (from a cursor,
 * or from a snapshot); each `change` is a write whose result comes back in order as a
 * WriteResult. The stream lives until the client closes it (with no feed: once its writes are
 * answered), the server shuts down, or an error ends it with a status.
 */
export async function* syncUsers(updates: AsyncIterable<UserUpdate>, ctx: HandlerContext): AsyncGenerator<SyncResult> {
  const outbox = new Channel<SyncResult>(OUTBOX);
  const stop = new AbortController();
  const onAbort = () => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Ending the call (client gone, shutdown) must also end the wait for the next result.
  stop.signal.addEventListener('abort', () => outbox.close(stop.signal.reason), { once: true });
  const streamCtx: HandlerContext = { ...ctx, signal: stop.signal };
  const writes = new SyncWrites(streamCtx, (result) => outbox.push(result));
  let feed: Promise<void> | undefined;

  const readUpdates = async () => {
    for await (const update of updates) {
      if (update.kind === 'subscribe') {
        ctx.authorize('SyncUsers.subscribe');
        if (feed) throw new InvalidArgumentError('subscribe', 'this stream is already subscribed');
        feed = streamChanges(update.subscribe, streamCtx, outbox);
        feed.catch((error: unknown) => outbox.close(error));
      } else if (update.kind === 'change') {
        await writes.submit(update.change);
      } else {
        throw new InvalidArgumentError('kind', 'each UserUpdate must set `subscribe` or `change`');
      }
    }
    await writes.drained();
    if (!feed) outbox.close();
  };
  readUpdates().catch((error: unknown) => outbox.close(error));

  try {
    yield* outbox;
  } finally {
    stop.abort();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
