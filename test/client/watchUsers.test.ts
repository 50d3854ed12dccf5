import * as grpc from '@grpc/grpc-js';
import { clientStream, unary } from '../../client/userServiceClient';
import { expiryOf, watchUsers, type WatchEvent } from '../../client/watchUsers';
import { ChangeType } from '../../proto/messages';
import { useBuiltService } from '../support/builtService';

/**
 * The client library's watch (issue 17, part 3) against a real server whose log is trimmed under
 * it: an expired cursor is relisted once, with a `relisted` event naming it and the oldest
 * position kept; an expiry again before that relist caught up is the caller's, not a loop.
 */
const suite = useBuiltService('watchrelist', { 'feed-window': '20', 'slow-reader-ms': '120000' });
const unique = () => Math.random().toString(36).slice(2, 10);
const trimEvents = () => suite.trimEvents();

async function importUsers(count: number, tag: string): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({ email: `w${i}-${tag}@relist.example`, name: `Watched ${i}` }));
  for (let i = 0; i < count; i += 500) await clientStream(suite.client, 'ImportUsers', rows.slice(i, i + 500), { timeoutMs: 60_000 });
}

/** Pulls events until `done` holds for the last one; returns all of them. */
async function pull(watch: AsyncGenerator<WatchEvent>, done: (event: WatchEvent) => boolean): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for (;;) {
    const { value, done: ended } = await watch.next();
    if (ended) return events;
    events.push(value);
    if (done(value)) return events;
  }
}

const caughtUp = (e: WatchEvent) => e.kind === 'message' && e.message.caught_up !== null && e.message.caught_up !== undefined;

it('relists once from an expired cursor: tells the caller, then a fresh snapshot and caught_up', async () => {
  const tag = unique();
  const { trailers } = await unary(suite.client, 'CreateUser', { email: `first-${tag}@relist.example`, name: 'First' });
  const old = String(trailers.get('users-cursor')[0]);
  await unary(suite.client, 'CreateUser', { email: `second-${tag}@relist.example`, name: 'Second' });
  const oldest = await trimEvents();
  const stop = new AbortController();
  const watch = watchUsers(suite.client, { cursor: old }, { signal: stop.signal });
  const events = await pull(watch, caughtUp);
  stop.abort();
  expect(await watch.next()).toEqual({ value: undefined, done: true });
  const [first, ...rest] = events;
  expect(first).toMatchObject({ kind: 'relisted', expiredCursor: old, oldestCursor: oldest });
  expect(first.kind === 'relisted' && first.error.code).toBe(grpc.status.OUT_OF_RANGE);
  // The relist is a snapshot: both users come as SNAPSHOT events, and no second relist.
  const emails = rest.flatMap((e) => (e.kind === 'message' && e.message.event?.user ? [e.message.event.user.email] : []));
  expect(emails).toEqual(expect.arrayContaining([`first-${tag}@relist.example`, `second-${tag}@relist.example`]));
  expect(rest.every((e) => e.kind === 'message')).toBe(true);
});

it('passes a second CURSOR_EXPIRED, met before the relist caught up, to the caller', async () => {
  const tag = unique();
  await importUsers(2000, tag); // a snapshot too large for the buffers: the relisted stream waits inside it
  const { trailers } = await unary(suite.client, 'CreateUser', { email: `old-${tag}@relist.example`, name: 'Old' });
  const old = String(trailers.get('users-cursor')[0]);
  await unary(suite.client, 'CreateUser', { email: `new-${tag}@relist.example`, name: 'New' });
  await trimEvents();
  const watch = watchUsers(suite.client, { cursor: old });
  const [relisted, firstSnapshot] = await pull(watch, (e) => e.kind === 'message');
  expect(relisted.kind).toBe('relisted');
  expect(firstSnapshot.kind === 'message' && firstSnapshot.message.event?.type).toBe(ChangeType.CHANGE_TYPE_SNAPSHOT);
  // The caller reads nothing while the log moves far past the window and is trimmed past the snapshot's position.
  await importUsers(2500, `${tag}-more`);
  const oldest = await trimEvents();
  const error = await pull(watch, () => false).then(
    () => undefined,
    (e: grpc.ServiceError) => e,
  );
  expect(error?.code).toBe(grpc.status.OUT_OF_RANGE);
  const info = expiryOf(error);
  expect(info?.oldestCursor).toBe(oldest);
  expect(info?.expiredCursor).not.toBe(old);
});
